import { DistinctColorCounter } from '../cluster/distinctColors.js';
import { miniBatchKMeans, type StopReason } from '../cluster/miniBatchKMeans.js';
import { paletteFromColors } from '../cluster/palette.js';
import { ReservoirSampler } from '../cluster/reservoir.js';
import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from '../options.js';
import type { Palette } from '../types.js';
import { chooseBandHeight } from './bandHeight.js';
import {
  convertBand,
  dropAlphaOfColors,
  hasAlphaChannel,
  isOpaque,
  layout,
  type Channels,
} from './channelLayout.js';

export interface FitReport {
  /**
   * `exact`: the images have no more than k colours and the palette is exactly those; `given`: a
   * palette was supplied, nothing was fitted.
   */
  method: 'exact' | 'mini-batch-kmeans' | 'given';
  /** Sum of squared distances of the sampled pixels to their nearest centre (0 when exact). */
  inertia: number;
  steps: number;
  stopReason: StopReason | 'exact-colors' | 'given-palette';
  sampleSize: number;
}

export interface FitResult {
  palette: Palette;
  report: FitReport;
}

/**
 * Pass 1: streams every band of every source through one reservoir sampler and one distinct-colour
 * counter, in `channels` layout, then fits the palette on the sample. Several sources give one
 * palette for all of them. Alpha that turns out opaque everywhere is dropped from the palette.
 */
export async function fitPalette(
  sources: readonly ImageSource[],
  options: ResolvedOptions,
  channels: Channels,
): Promise<FitResult> {
  const sampler = new ReservoirSampler(options.sample, channels, options.seed);
  const counter = new DistinctColorCounter(options.k);
  let translucent = false;
  let rowsDone = 0;
  const rows = sources.reduce((sum, s) => sum + s.info.height, 0);

  for (const source of sources) {
    const bandHeight =
      options.bandHeight ??
      chooseBandHeight(source.info.width, source.info.height, options.memoryBudget);
    for await (const raw of readBands(source, { bandHeight, signal: options.signal })) {
      if (!translucent && !isOpaque(raw)) translucent = true;
      const band = convertBand(raw, channels);
      sampler.offer(band);
      counter.offer(band);
      rowsDone += band.height;
      options.onProgress?.({ phase: 'fit', rowsDone, rows });
    }
  }

  // Alpha that is 255 everywhere carries nothing: fit and write colours only.
  const dropAlpha = hasAlphaChannel(channels) && !translucent;
  const fitChannels = dropAlpha ? layout(channels === 2 ? 1 : 3, false) : channels;

  if (!counter.exceeded) {
    let colors = counter.colors(channels);
    if (dropAlpha) colors = dropAlphaOfColors(colors, colors.length / channels, channels);
    return {
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
  if (dropAlpha) samples = dropAlphaOfColors(samples, sampler.count, channels);
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
