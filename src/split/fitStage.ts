import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPalette, savePalette } from '../io/paletteFile.js';
import { paletteForImage } from '../model/channels.js';
import { PaletteFitter } from '../pipeline/PaletteFitter.js';
import { finishFit } from '../pipeline/fitPalette.js';
import { nodataOutput } from '../pipeline/nodataPlan.js';
import { carriesAlpha, maxColors } from '../io/outputFormat.js';
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
  /** The palette's entry for nodata, when it has one (its last). */
  nodataIndex?: number;
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
  let result: FitResult & { nodataPixels?: number };
  const outputHolds = {
    kind: opts.kind,
    carriesAlpha: carriesAlpha(opts.format, opts.kind),
    maxColors: maxColors(opts.format, opts.kind),
  };
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
      result = await finishFit(
        fitter,
        opts,
        job.nodata && { rule: job.nodata, maxColors: outputHolds.maxColors },
      );
    } finally {
      partnerThread.stop();
    }
  }
  const planned = nodataOutput(
    result.palette,
    job.nodata,
    result.nodataPixels,
    outputHolds,
    job.metadata,
  );
  await savePalette(planned.palette, base, {
    key: job.jobKey,
    fit: result.report,
    target: result.target,
    nodataIndex: planned.nodata?.index,
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
