import type { ImageSource } from '../io/openImage.js';
import { partnerThread } from '../runtime/partnerThread.js';
import type { Channels } from '../model/channels.js';
import { PaletteFitter } from './PaletteFitter.js';
import type { FitResult } from './fitReport.js';
import type { ResolvedOptions } from './quantizeOptions.js';

/** Pass 1 for one image: its palette in `channels` layout. */
export async function fitPalette(
  source: ImageSource,
  options: ResolvedOptions,
  channels: Channels,
): Promise<FitResult> {
  const fitter = new PaletteFitter(options, channels, source.info.width * source.info.height);
  let rowsDone = 0;
  try {
    await fitter.add(source, (rows) => {
      rowsDone += rows;
      options.onProgress?.({ phase: 'fit', rowsDone, rows: source.info.height });
    });
    if (options.targetPsnr === undefined) return await fitter.finish();
    const { psnr, reached, ...fit } = await fitter.finishForTarget(options.targetPsnr, options.k);
    return { ...fit, target: { psnr: options.targetPsnr, reached, predictedPsnr: psnr } };
  } finally {
    // Pass 2 follows (or the file failed): let go of the fit's memory.
    partnerThread.stop();
  }
}
