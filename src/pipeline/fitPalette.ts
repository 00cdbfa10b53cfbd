import { DistinctColorCounter } from '../cluster/distinctColors.js';
import { miniBatchKMeans, type StopReason } from '../cluster/miniBatchKMeans.js';
import { paletteFromColors } from '../cluster/palette.js';
import { ReservoirSampler } from '../cluster/reservoir.js';
import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from '../options.js';
import type { Palette } from '../types.js';
import { dropAlpha, dropLastChannel, isOpaque } from './dropAlpha.js';

export interface FitReport {
  /** `exact`: the image has no more than k colours and the palette is exactly those. */
  method: 'exact' | 'mini-batch-kmeans';
  /** Sum of squared distances of the sampled pixels to their nearest centre (0 when exact). */
  inertia: number;
  steps: number;
  stopReason: StopReason | 'exact-colors';
  sampleSize: number;
}

export interface FitResult {
  palette: Palette;
  report: FitReport;
  /** True when the input has alpha but it was left out: every pixel opaque, or `keepAlpha` false. */
  alphaDropped: boolean;
  /** True when the input had pixels that are not fully opaque. */
  hadTranslucency: boolean;
}

/**
 * Pass 1: streams every band through a reservoir sampler and a distinct-colour counter, then fits
 * the palette on the sample. `keepAlpha` is false when the output format cannot store alpha.
 */
export async function fitPalette(
  source: ImageSource,
  options: ResolvedOptions,
  bandHeight: number,
  keepAlpha: boolean,
): Promise<FitResult> {
  const { info } = source;
  const hasAlpha = info.hasAlpha;
  const channels = hasAlpha && !keepAlpha ? info.channels - 1 : info.channels;
  const sampler = new ReservoirSampler(options.sample, channels, options.seed);
  const counter = new DistinctColorCounter(options.k);
  let opaque = true;
  let rowsDone = 0;

  for await (const raw of readBands(source, { bandHeight, signal: options.signal })) {
    if (hasAlpha && opaque && !isOpaque(raw)) opaque = false;
    const band = channels < raw.channels ? dropAlpha(raw) : raw;
    sampler.offer(band);
    counter.offer(band);
    rowsDone += band.height;
    options.onProgress?.({ phase: 'fit', rowsDone, rows: info.height });
  }

  // Alpha that is 255 everywhere carries nothing: fit and write colours only.
  const dropOpaqueAlpha = hasAlpha && keepAlpha && opaque;
  const fitChannels = dropOpaqueAlpha ? channels - 1 : channels;
  const alphaDropped = hasAlpha && fitChannels < info.channels;
  const result = { alphaDropped, hadTranslucency: hasAlpha && !opaque };

  if (!counter.exceeded) {
    let colors = counter.colors(channels);
    if (dropOpaqueAlpha) colors = dropLastChannel(colors, colors.length / channels, channels);
    return {
      ...result,
      palette: paletteFromColors(colors, fitChannels),
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
  let samples = sampler.samples.subarray(0, sampler.count * channels);
  if (dropOpaqueAlpha) samples = dropLastChannel(samples, sampler.count, channels);
  const fit = miniBatchKMeans(samples, sampler.count, fitChannels, {
    k: options.k,
    nInit: options.nInit,
    batchSize: options.batchSize,
    maxIter: options.maxIter,
    tol: options.tol,
    maxNoImprovement: options.maxNoImprovement,
    reassignmentRatio: options.reassignmentRatio,
    seed: options.seed,
  });
  return {
    ...result,
    palette: paletteFromColors(fit.centers, fitChannels),
    report: {
      method: 'mini-batch-kmeans',
      inertia: fit.inertia,
      steps: fit.steps,
      stopReason: fit.stopReason,
      sampleSize: sampler.count,
    },
  };
}
