import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GigaquantError } from '../errors.js';
import { checkOutputTarget } from '../io/checkOutputTarget.js';
import { tiffOptionsFor } from '../io/createWriter.js';
import { openImage } from '../io/openImage.js';
import { writeFileAtomically } from '../io/tempFiles.js';
import { TiffWriter } from '../io/tiff/TiffWriter.js';
import { pyramidLevelOptions } from '../io/tiff/ReducedLevels.js';
import { withLevelOneRows } from './levelOneRows.js';
import { tiffChunkRows } from '../io/tiff/tiffDirectory.js';
import { applyPalette } from '../pipeline/applyPalette.js';
import { chooseBandHeight } from '../pipeline/bandHeight.js';
import type { StageOutcome } from './countStage.js';
import { loadFit } from './fitStage.js';
import { rowShare } from './rowShares.js';
import type { Share } from '../types.js';
import { workFiles, type SplitJob } from './splitJob.js';

/** What an apply task leaves beside its chunks: enough to stitch them and sum the error. */
export interface PartRecord {
  key: string;
  rows: { from: number; to: number };
  /** Compressed sizes of the part's chunks (strips, or tiles row by row), in file order. */
  byteCounts: number[];
  /** Sum of squared errors over the part's pixels and channels (an integer). */
  sse: number;
  droppedTranslucency: boolean;
  /** Pixels of the part written as nodata. */
  nodataPixels?: number;
  /** With --pyramid: the level-1 rows the part reduced its rows to, and their file's size. */
  levelOne?: { rows: number; bytes: number };
}

/**
 * Stage 3: this share's rows, cut at whole tile rows (or strips), mapped to the fitted palette and
 * written as the compressed chunks the whole file holds at that place, with their error sum.
 */
export async function applyStage(job: SplitJob, share: Share): Promise<StageOutcome> {
  const fit = await loadFit(job);
  if (!fit) {
    throw new GigaquantError(
      'E_USAGE',
      `${job.workDir}: no palette fitted for this input and these options: run --stage fit first`,
    );
  }
  const { opts, info } = job;
  const tiff = tiffOptionsFor(opts, info, fit.palette);
  const rows = rowShare(info.height, tiffChunkRows(tiff), share.index, share.count);
  const partPath = join(job.workDir, workFiles.part(share));
  const recordPath = join(job.workDir, workFiles.partRecord(share));
  const levelOnePath = join(job.workDir, workFiles.partLevelOne(share));
  if (await readPartRecord(recordPath, partPath, job.jobKey, levelOnePath))
    return { stage: 'apply', share, rows, done: 'before', file: partPath };
  await checkOutputTarget([job.input], partPath);
  const levels = opts.pyramid ? pyramidLevelOptions(tiff) : [];
  await unlink(levelOnePath).catch(() => {});
  const part = await TiffWriter.createPart(partPath, tiff);
  const writer = levels[1]
    ? await withLevelOneRows(part, tiff, levels[1].width, levelOnePath)
    : part;
  let applied;
  const source = await openImage(job.input, {
    maxPixels: opts.maxPixels,
    tmpDir: opts.tmpDir,
    signal: opts.signal,
  });
  try {
    const bandHeight =
      opts.bandHeight ??
      chooseBandHeight(info.width, info.height, opts.memoryBudget, info.chunkRows);
    const nodata =
      job.nodata && fit.nodataIndex !== undefined
        ? { rule: job.nodata, index: fit.nodataIndex }
        : undefined;
    applied = await applyPalette(source, fit.palette, writer, opts, bandHeight, { rows, nodata });
    await writer.close();
  } catch (err) {
    await writer.abort(err as Error);
    throw err;
  } finally {
    await source.close();
  }
  const record: PartRecord = {
    key: job.jobKey,
    rows,
    byteCounts: part.part().byteCounts,
    sse: applied.sse,
    droppedTranslucency: applied.droppedTranslucency,
    nodataPixels: applied.nodataPixels,
    levelOne:
      'levelOneRows' in writer
        ? { rows: writer.levelOneRows(), bytes: (await stat(levelOnePath)).size }
        : undefined,
  };
  // The record is written last: a part without one was cut short, and is written again.
  await writeFileAtomically(recordPath, JSON.stringify(record) + '\n');
  return { stage: 'apply', share, rows, done: 'now', file: partPath };
}

/** A part's record, if it belongs to this job and its chunks are all there. */
export async function readPartRecord(
  recordPath: string,
  partPath: string,
  jobKey: string,
  levelOnePath: string,
): Promise<PartRecord | undefined> {
  let record: PartRecord;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8')) as PartRecord;
  } catch {
    return undefined;
  }
  if (record.key !== jobKey || !Array.isArray(record.byteCounts)) return undefined;
  const size = await stat(partPath).then(
    (s) => s.size,
    () => -1,
  );
  if (size !== record.byteCounts.reduce((s, n) => s + n, 0)) return undefined;
  if (!record.levelOne) return record;
  const levelOneSize = await stat(levelOnePath).then(
    (s) => s.size,
    () => -1,
  );
  return levelOneSize === record.levelOne.bytes ? record : undefined;
}
