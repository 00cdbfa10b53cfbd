import { join } from 'node:path';
import { openImage } from '../io/openImage.js';
import { PaletteFitter } from '../pipeline/PaletteFitter.js';
import { partnerThread } from '../runtime/partnerThread.js';
import { readCountsHeader, writeCounts } from './countsFile.js';
import { rowShare } from './rowShares.js';
import type { Share } from '../types.js';
import { workFiles, type SplitJob } from './splitJob.js';

/** What a stage did: its work, or nothing because it was done before (a rerun after a kill). */
export interface StageOutcome {
  stage: 'count' | 'fit' | 'apply' | 'stitch';
  share?: Share;
  rows?: { from: number; to: number };
  done: 'now' | 'before' | 'not-needed';
  file?: string;
}

/**
 * Stage 1 of a split image: this share's rows counted into an exact partial histogram, which the
 * fit stage adds to the others'. Any split gives the same sums, so shares need not be aligned.
 */
export async function countStage(job: SplitJob, share: Share): Promise<StageOutcome> {
  const file = join(job.workDir, workFiles.counts(share));
  const rows = rowShare(job.info.height, 1, share.index, share.count);
  if (job.opts.palette) return { stage: 'count', share, rows, done: 'not-needed' };
  if ((await readCountsHeader(file))?.key === job.countsKey)
    return { stage: 'count', share, rows, done: 'before', file };
  const { opts } = job;
  const source = await openImage(job.input, {
    maxPixels: opts.maxPixels,
    tmpDir: opts.tmpDir,
    signal: opts.signal,
  });
  try {
    const pixels = job.info.width * (rows.to - rows.from);
    const fitter = new PaletteFitter(opts, job.channels, pixels);
    await fitter.add(source, undefined, rows, job.nodata);
    await writeCounts(file, fitter.counts(), { key: job.countsKey, rows });
  } finally {
    // The fitter boots the k-means partner thread for big k; counting never uses it.
    partnerThread.stop();
    await source.close();
  }
  return { stage: 'count', share, rows, done: 'now', file };
}
