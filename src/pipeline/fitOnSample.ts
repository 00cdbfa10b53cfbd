import type { DistinctColorCounter } from '../cluster/DistinctColorCounter.js';
import type { ReservoirSampler } from '../cluster/ReservoirSampler.js';
import { paletteFromColors } from '../model/palette.js';
import type { FitResult } from './fitReport.js';
import { exactWithKept, keptCentres } from './keptColors.js';
import { kmeansOptions, startsFor, type ResolvedOptions } from './quantizeOptions.js';

/**
 * Translucent RGBA, which a histogram cannot hold: its exact colours when few enough, else
 * mini-batch k-means (k centres) on the reservoir sample.
 */
export async function fitOnSample(
  sampler: ReservoirSampler,
  counter: DistinctColorCounter,
  options: ResolvedOptions,
  k: number,
): Promise<FitResult> {
  const channels = 4;
  const fixed = options.keepColors && keptCentres(options.keepColors, channels);
  const colors = counter.exceeded ? undefined : counter.colors(channels);
  const count = colors ? colors.length / channels : 0;
  const exact =
    colors &&
    (fixed ? exactWithKept(colors, count, fixed, channels, k) : count <= k ? colors : undefined);
  if (exact) {
    return {
      palette: paletteFromColors(exact, channels),
      report: {
        method: 'exact',
        inertia: 0,
        steps: 0,
        stopReason: 'exact-colors',
        sampleSize: sampler.count,
      },
    };
  }
  options.onProgress?.({ phase: 'cluster', rowsDone: 0, rows: 0 });
  const samples = sampler.samples.subarray(0, sampler.count * channels);
  // ml-matrix is loaded only for this rare path.
  const { miniBatchKMeans } = await import('../cluster/miniBatchKMeans.js');
  const fit = miniBatchKMeans(samples, sampler.count, channels, {
    ...kmeansOptions(options),
    k,
    nInit: options.nInitGiven ? options.nInit : startsFor(k),
    fixed,
  });
  return {
    palette: paletteFromColors(fit.centers, channels),
    report: {
      method: 'mini-batch-kmeans',
      inertia: fit.inertia,
      steps: fit.steps,
      stopReason: fit.stopReason,
      sampleSize: sampler.count,
    },
  };
}
