import type { ImageSource } from '../io/openImage.js';
import { COLLECT_ABOVE_PIXELS, collectGarbage } from '../runtime/releaseFitMemory.js';
import { partnerThread } from '../runtime/partnerThread.js';
import type { Channels } from '../model/channels.js';
import type { NodataRule } from '../model/nodata.js';
import { PaletteFitter } from './PaletteFitter.js';
import type { FitResult } from './fitReport.js';
import type { CountedColours } from '../cluster/ColorHistogram.js';
import type { ResolvedOptions } from './quantizeOptions.js';

/**
 * Pass 1 for one image: its palette in `channels` layout, fitted on the pixels `nodata` does not
 * mark. When nodata pixels are found (or a nodata value is declared) one entry of `maxColors` is
 * kept free for them, so at most maxColors - 1 are fitted. `keepCounts`: the colour counts, where
 * they are of every pixel, are handed on as `counts` (see PaletteFitter.finish).
 */
export async function fitPalette(
  source: ImageSource,
  options: ResolvedOptions,
  channels: Channels,
  nodata?: { rule: NodataRule; maxColors: number },
  keepCounts = false,
): Promise<FitResult & { nodataPixels: number; counts?: CountedColours }> {
  const fitter = new PaletteFitter(options, channels, source.info.width * source.info.height);
  let rowsDone = 0;
  try {
    await fitter.add(
      source,
      (rows) => {
        rowsDone += rows;
        options.onProgress?.({ phase: 'fit', rowsDone, rows: source.info.height });
      },
      undefined,
      nodata?.rule,
    );
    // Reading leaves its decoded rows (three rows of tiles: 69 MB at 2 Gpx) for V8 to free when
    // it likes: gone before the fit allocates. 2 Gpx peak: 301 against 320 MiB, 0.98x the time.
    if (source.info.width * source.info.height > COLLECT_ABOVE_PIXELS) collectGarbage();
    return await finishFit(fitter, options, nodata, keepCounts);
  } finally {
    // Pass 2 follows (or the file failed): let go of the fit's memory.
    partnerThread.stop();
  }
}

/**
 * The palette for everything a fitter has counted: k colours, or the fewest reaching the target
 * PSNR; one fewer than the output holds when an entry must be kept for nodata.
 */
export async function finishFit(
  fitter: PaletteFitter,
  options: ResolvedOptions,
  nodata?: { rule: NodataRule; maxColors: number },
  keepCounts = false,
): Promise<FitResult & { nodataPixels: number; counts?: CountedColours }> {
  const { nodataPixels } = fitter;
  const reserve = nodata && (nodata.rule.value !== undefined || nodataPixels > 0);
  const k = reserve ? Math.min(options.k, Math.max(1, nodata.maxColors - 1)) : options.k;
  if (options.targetPsnr === undefined)
    return { ...(await fitter.finish(k, true, keepCounts)), nodataPixels };
  const { psnr, reached, ...fit } = await fitter.finishForTarget(options.targetPsnr, k);
  return {
    ...fit,
    target: { psnr: options.targetPsnr, reached, predictedPsnr: psnr },
    nodataPixels,
  };
}
