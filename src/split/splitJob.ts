import { readImageMetadata, type ImageMetadata } from '../io/imageMetadata.js';
import type { NodataRule } from '../model/nodata.js';
import { nodataRuleFor } from '../pipeline/nodataPlan.js';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GigaquantError } from '../errors.js';
import type { Share } from '../types.js';
import { carriesAlpha, outputFormatFor } from '../io/outputFormat.js';
import { probeImage, type ImageInfo } from '../io/probeImage.js';
import { clusterChannels, type Channels } from '../model/channels.js';
import {
  resolveOptions,
  type QuantizeOptions,
  type ResolvedOptions,
} from '../pipeline/quantizeOptions.js';
import { keyOf } from '../batch/fingerprint.js';
import { optionsKey } from '../batch/optionsKey.js';
import { fitSampleFor } from '../model/fitSample.js';

/** What every stage of one split image knows: the input, the options, and the work folder's keys. */
export interface SplitJob {
  input: string;
  output: string;
  workDir: string;
  opts: ResolvedOptions;
  info: ImageInfo;
  channels: Channels;
  /**
   * The input (path, size, time) and the channels counted: what a part's counts depend on. Parts
   * under another key are stale (the input changed) and are redone, never mixed in.
   */
  countsKey: string;
  /** The counts key and every option that changes the output's bytes. */
  jobKey: string;
  metadata: ImageMetadata;
  /** Which pixels hold no data (see nodataRuleFor). */
  nodata: NodataRule | undefined;
}

/** A file per share, `<stem>.<index>-of-<count>.<ext>`, and the pattern that finds them. */
type ShareFile = ((share: Share) => string) & { pattern: RegExp };

function shareFile(stem: string, ext: string): ShareFile {
  return Object.assign((s: Share) => `${stem}.${s.index}-of-${s.count}.${ext}`, {
    pattern: new RegExp(`^${stem}\\.(\\d+)-of-(\\d+)\\.${ext}$`),
  });
}

/** The work folder's files: one per task and stage, so that tasks never write the same file. */
export const workFiles = {
  counts: shareFile('counts', 'bin'),
  part: shareFile('part', 'chunks'),
  partRecord: shareFile('part', 'json'),
  partLevelOne: shareFile('part', 'level1'),
  paletteBase: 'palette',
  result: 'result.json',
};

/**
 * The job of `compress <input> -o <output> --stage ... --work-dir <workDir>`, refused unless it
 * can be split: a TIFF output (strips or tiles), no error diffusion (it runs through the rows in
 * order, so a part could not start where the one above left off).
 */
export async function openSplitJob(
  input: string,
  output: string,
  options: QuantizeOptions,
  workDir: string,
): Promise<SplitJob> {
  const opts = resolveOptions(outputFormatFor(output, options.format), options, output);
  if (opts.format !== 'tiff') {
    throw new GigaquantError(
      'E_USAGE',
      `--stage splits TIFF outputs (strips or tiles), not ${output}: name the output .tif`,
    );
  }
  if (opts.dither > 0) {
    throw new GigaquantError(
      'E_USAGE',
      '--dither cannot be split over tasks: its error runs through the rows in order; run compress on one machine',
    );
  }
  const info = await probeImage(input, opts.maxPixels);
  const channels = clusterChannels([info], carriesAlpha(opts.format, opts.kind), opts.keepColors);
  const file = await stat(input);
  const metadata = await readImageMetadata(input, info.format, info.page);
  const { rule: nodata } = nodataRuleFor(opts.nodata, metadata, info);
  const countsKey = keyOf({
    input: resolve(input),
    bytes: file.size,
    mtime: file.mtimeMs,
    channels,
    nodata,
    // Absent where every pixel is counted, so that such counts stay valid.
    fitSample: fitSampleFor(info.width * info.height, opts.fitMpx, opts.seed),
  });
  const jobKey = keyOf({ countsKey, options: optionsKey(opts, '', opts.palette) });
  await mkdir(workDir, { recursive: true });
  return { input, output, workDir, opts, info, channels, countsKey, jobKey, metadata, nodata };
}

/**
 * The shares of one complete set of a stage's files (every index of one count, each `isValid`),
 * the smallest count when several are complete. Refused, naming what is missing, when none is.
 */
export async function completeShares(
  workDir: string,
  file: ShareFile,
  isValid: (share: Share) => Promise<boolean>,
  stage: string,
): Promise<Share[]> {
  const names = new Set(await readdir(workDir));
  const counts = new Set<number>();
  for (const n of names) {
    const m = file.pattern.exec(n);
    if (m) counts.add(Number(m[2]));
  }
  let best: { count: number; missing: number[] } | undefined;
  for (const count of [...counts].sort((a, b) => a - b)) {
    const missing: number[] = [];
    for (let index = 0; index < count; index++) {
      const share = { index, count };
      if (!names.has(file(share)) || !(await isValid(share))) missing.push(index);
    }
    if (missing.length === 0)
      return Array.from({ length: count }, (_, index) => ({ index, count }));
    if (!best || missing.length < best.missing.length) best = { count, missing };
  }
  throw new GigaquantError(
    'E_USAGE',
    best
      ? `${workDir}: the ${stage} stage has not finished shares ${best.missing.join(', ')} of ${best.count} (for this input and these options): run them first`
      : `${workDir}: no ${stage} stage has run here for this input and these options: run it first`,
  );
}
