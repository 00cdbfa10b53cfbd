import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPalette, savePalette } from '../io/paletteFile.js';
import { paletteForImage } from '../model/channels.js';
import { PaletteFitter } from '../pipeline/PaletteFitter.js';
import { GIVEN_PALETTE, type FitReport, type FitResult } from '../pipeline/fitReport.js';
import { partnerThread } from '../runtime/partnerThread.js';
import type { Palette } from '../types.js';
import type { StageOutcome } from './countStage.js';
import { readCounts, readCountsHeader } from './countsFile.js';
import { completeShares, workFiles, type SplitJob } from './splitJob.js';

/** The fit saved in the work folder, beside the palette. */
export interface SavedFit {
  palette: Palette;
  key: string;
  fit: FitReport;
  target?: FitResult['target'];
}

/**
 * Stage 2: the shares' counts added (exactly: they are integers) and the palette fitted on them,
 * the one a single machine fits on the whole image, saved as palette.json and .npy.
 */
export async function fitStage(job: SplitJob): Promise<StageOutcome> {
  const base = join(job.workDir, workFiles.paletteBase);
  const file = `${base}.json`;
  if ((await loadFit(job))?.key === job.jobKey) return { stage: 'fit', done: 'before', file };
  const { opts, info } = job;
  let result: FitResult;
  if (opts.palette) {
    result = {
      palette: paletteForImage(opts.palette, info.channels),
      report: GIVEN_PALETTE,
    };
  } else {
    const shares = await completeShares(
      job.workDir,
      workFiles.counts,
      async (share) =>
        (await readCountsHeader(join(job.workDir, workFiles.counts(share))))?.key === job.countsKey,
      'count',
    );
    const fitter = new PaletteFitter(opts, job.channels, info.width * info.height);
    try {
      for (const share of shares)
        await readCounts(join(job.workDir, workFiles.counts(share)), (c) => fitter.addCounts(c));
      if (opts.targetPsnr === undefined) result = await fitter.finish();
      else {
        const { psnr, reached, ...fit } = await fitter.finishForTarget(opts.targetPsnr, opts.k);
        result = { ...fit, target: { psnr: opts.targetPsnr, reached, predictedPsnr: psnr } };
      }
    } finally {
      partnerThread.stop();
    }
  }
  await savePalette(result.palette, base, {
    key: job.jobKey,
    fit: result.report,
    target: result.target,
  });
  return { stage: 'fit', done: 'now', file };
}

/** The palette the fit stage saved for this job, or undefined. */
export async function loadFit(job: SplitJob): Promise<SavedFit | undefined> {
  const file = join(job.workDir, `${workFiles.paletteBase}.json`);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let saved: Omit<SavedFit, 'palette'>;
  try {
    saved = JSON.parse(text) as Omit<SavedFit, 'palette'>;
  } catch {
    return undefined; // A torn or foreign file: the fit is redone.
  }
  if (saved.key !== job.jobKey) return undefined;
  return { ...saved, palette: await loadPalette(file) };
}
