import { DistinctColorCounter } from '../cluster/distinctColors.js';
import {
  miniBatchKMeans,
  type MiniBatchKMeansOptions,
  type StopReason,
} from '../cluster/miniBatchKMeans.js';
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
 * Pass 1, for one image or many: every band of every image added goes through one reservoir
 * sampler and one distinct-colour counter in the `channels` layout; `finish()` fits the palette
 * on the sample. Images can be added one at a time, so a batch never has more than one open.
 */
export class PaletteFitter {
  private readonly sampler: ReservoirSampler;
  private readonly counter: DistinctColorCounter;
  private translucent = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly channels: Channels,
  ) {
    this.sampler = new ReservoirSampler(options.sample, channels, options.seed);
    this.counter = new DistinctColorCounter(options.k);
  }

  /** Streams one image in; `onRows` hears of each band's rows. */
  async add(source: ImageSource, onRows?: (rows: number) => void): Promise<void> {
    const { options } = this;
    const { width, height } = source.info;
    const bandHeight = options.bandHeight ?? chooseBandHeight(width, height, options.memoryBudget);
    for await (const raw of readBands(source, { bandHeight, signal: options.signal })) {
      if (!this.translucent && !isOpaque(raw)) this.translucent = true;
      const band = convertBand(raw, this.channels);
      this.sampler.offer(band);
      this.counter.offer(band);
      onRows?.(band.height);
    }
  }

  finish(): FitResult {
    const { options, channels, sampler, counter } = this;
    // Alpha that is 255 everywhere carries nothing: fit and write colours only.
    const dropAlpha = hasAlphaChannel(channels) && !this.translucent;
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
    const fit = miniBatchKMeans(samples, sampler.count, fitChannels, kmeansOptions(options));
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
}

/** The k-means settings within the resolved options: with `sample`, all that decides a fit. */
export function kmeansOptions(options: ResolvedOptions): MiniBatchKMeansOptions {
  const { k, nInit, batchSize, maxIter, tol, maxNoImprovement, reassignmentRatio, seed } = options;
  return { k, nInit, batchSize, maxIter, tol, maxNoImprovement, reassignmentRatio, seed };
}

/** Pass 1 for one image: its palette in `channels` layout. */
export async function fitPalette(
  source: ImageSource,
  options: ResolvedOptions,
  channels: Channels,
): Promise<FitResult> {
  const fitter = new PaletteFitter(options, channels);
  let rowsDone = 0;
  await fitter.add(source, (rows) => {
    rowsDone += rows;
    options.onProgress?.({ phase: 'fit', rowsDone, rows: source.info.height });
  });
  return fitter.finish();
}
