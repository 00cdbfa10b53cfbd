import { stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GigaquantError } from '../errors.js';
import { checkOutputTarget } from '../io/checkOutputTarget.js';
import { codebookBase, codebookFields, tiffOptionsFor } from '../io/createWriter.js';
import { metadataWithNodata, nodataTagValue } from '../pipeline/nodataPlan.js';
import { savePalette } from '../io/paletteFile.js';
import { writeFileAtomically } from '../io/tempFiles.js';
import { stitchTiff } from '../io/tiff/stitchTiff.js';
import { stitchPyramid } from './stitchPyramid.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import { resultWarnings } from '../pipeline/resultWarnings.js';
import { bitsPerPixel, peakRssBytes, psnrFromMse } from '../pipeline/stats.js';
import { readPartRecord, type PartRecord } from './applyStage.js';
import { loadFit } from './fitStage.js';
import type { Share } from '../types.js';
import { completeShares, workFiles, type SplitJob } from './splitJob.js';

/**
 * Stage 4: the output assembled from the apply stage's parts by copying their compressed chunks
 * (no pixel is decoded or compressed again), the same bytes as one machine's compress; the PSNR
 * from the parts' summed errors. Also saved as result.json in the work folder.
 */
export async function stitchStage(job: SplitJob): Promise<QuantizeResult> {
  const started = performance.now();
  const { opts, info, workDir, output } = job;
  const fit = await loadFit(job);
  if (!fit) {
    throw new GigaquantError(
      'E_USAGE',
      `${workDir}: no palette fitted for this input and these options: run --stage fit first`,
    );
  }
  const shares = await completeShares(
    workDir,
    workFiles.partRecord,
    async (share) => (await recordOf(job, share)) !== undefined,
    'apply',
  );
  const records = await Promise.all(shares.map(async (s) => (await recordOf(job, s))!));
  checkCoverage(records, info.height, workDir);
  const codebook = { json: `${codebookBase(output)}.json`, npy: `${codebookBase(output)}.npy` };
  const labels = opts.kind === 'labels';
  await checkOutputTarget([job.input], output, labels ? [codebook.json, codebook.npy] : []);
  const { palette } = fit;
  const nodata =
    job.nodata && fit.nodataIndex !== undefined
      ? { rule: job.nodata, index: fit.nodataIndex }
      : undefined;
  const metadata = metadataWithNodata(
    job.metadata,
    nodata && nodataTagValue(opts.kind, nodata.rule, nodata.index),
    nodata?.index,
  );
  const tiff = tiffOptionsFor(opts, info, palette, metadata);
  const parts = shares.map((s, i) => ({
    path: join(workDir, workFiles.part(s)),
    byteCounts: records[i]!.byteCounts,
  }));
  const stitched = await (
    opts.pyramid
      ? stitchPyramid(output, tiff, parts, (i) => join(workDir, workFiles.partLevelOne(shares[i]!)))
      : stitchTiff(output, tiff, parts)
  ).catch((err: unknown) => {
    throw new GigaquantError('E_OUTPUT', `${output}: ${(err as Error).message}`, {
      file: output,
      cause: err,
    });
  });
  if (labels) {
    try {
      await savePalette(palette, codebookBase(output), {
        labels: basename(output),
        ...codebookFields(opts.format, info, palette, metadata),
      });
    } catch (err) {
      // Labels without their codebook are numbers without meaning: keep both or neither.
      await unlink(output).catch(() => {});
      throw err;
    }
  }
  const pixels = info.width * info.height;
  const sse = records.reduce((s, r) => s + r.sse, 0);
  const nodataPixels = records.reduce((s, r) => s + (r.nodataPixels ?? 0), 0);
  const validPixels = pixels - nodataPixels;
  const mse = validPixels > 0 ? sse / (validPixels * palette.channels) : 0;
  const outputBytes = (await stat(output)).size;
  const warnings = resultWarnings({
    inputPath: job.input,
    outputPath: output,
    opts,
    askedKind: opts.kind,
    info,
    palette,
    target: fit.target,
    droppedTranslucency: records.some((r) => r.droppedTranslucency),
    fit: fit.fit,
    mse,
  });
  const result: QuantizeResult = {
    input: job.input,
    output,
    format: opts.format,
    kind: opts.kind,
    codebook: labels ? codebook : undefined,
    width: info.width,
    height: info.height,
    channels: palette.channels,
    k: fit.target ? palette.size : opts.k,
    colors: palette.size,
    palette,
    mse,
    psnr: psnrFromMse(mse),
    bitsPerPixel: bitsPerPixel(outputBytes, pixels),
    inputBytes: info.fileBytes,
    outputBytes,
    seconds: (performance.now() - started) / 1000,
    peakRssBytes: peakRssBytes(),
    bandHeight: 0,
    spooled: false,
    bigtiff: stitched.bigtiff,
    seed: opts.seed,
    fit: fit.fit,
    target: fit.target,
    nodata: nodata && { pixels: nodataPixels, index: nodata.index, value: nodata.rule.value },
    warnings,
  };
  await writeFileAtomically(
    join(workDir, workFiles.result),
    JSON.stringify({ key: job.jobKey, shares: shares.length, psnr: result.psnr, mse, output }) +
      '\n',
  );
  return result;
}

async function recordOf(job: SplitJob, share: Share): Promise<PartRecord | undefined> {
  return readPartRecord(
    join(job.workDir, workFiles.partRecord(share)),
    join(job.workDir, workFiles.part(share)),
    job.jobKey,
    join(job.workDir, workFiles.partLevelOne(share)),
  );
}

/** The parts' rows must follow each other from the top row to the bottom one. */
function checkCoverage(records: readonly PartRecord[], height: number, workDir: string): void {
  let next = 0;
  for (const r of records) {
    if (r.rows.from !== next) break;
    next = r.rows.to;
  }
  if (next !== height) {
    throw new GigaquantError(
      'E_USAGE',
      `${workDir}: the apply parts do not cover rows 0-${height - 1} in order; run the apply stage again`,
    );
  }
}
