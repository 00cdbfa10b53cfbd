import { ColorHistogram, type CountedColours } from '../cluster/ColorHistogram.js';
import { DistinctColorCounter } from '../cluster/DistinctColorCounter.js';
import { lloydKMeans } from '../cluster/lloydKMeans.js';
import { WARM_UP_PARTNER_K, warmUpLloydPartner } from '../cluster/kernels/LloydPartner.js';
import { GigaquantError } from '../errors.js';
import { histogramPsnr } from './histogramPsnr.js';
import { fitOnSample } from './fitOnSample.js';
import { type FitResult, type PixelCounts } from './fitReport.js';
import { pointsFromOklab, pointsToOklab } from '../cluster/oklab.js';
import { paletteFromColors } from '../model/palette.js';
import { ReservoirSampler } from '../cluster/ReservoirSampler.js';
import type { ImageSource } from '../io/openImage.js';
import { readPixels } from '../io/readPixels.js';
import { startsFor, type ResolvedOptions } from './quantizeOptions.js';
import type { Palette, RowBand } from '../types.js';
import { markNodata, validPixels, type NodataRule } from '../model/nodata.js';
import { chooseBandHeight } from './bandHeight.js';
import { exactWithKept, keptCentres } from './keptColors.js';
import { fitSampleFor } from '../model/fitSample.js';
import {
  ConversionBuffer,
  dropAlphaOfPoints,
  hasAlphaChannel,
  isOpaque,
  layout,
  type Channels,
} from '../model/channels.js';

/**
 * Pass 1, for one image or many, in the `channels` layout; images can be added one at a time, so a
 * batch never has more than one open. Colour (and grey) pixels are counted exactly in a
 * ColorHistogram, and `finish()` runs weighted k-means over the distinct colours: k-means over
 * every pixel, whatever the image size. Only translucent RGBA, which a histogram cannot hold,
 * falls back to mini-batch k-means on a reservoir sample.
 */
export class PaletteFitter {
  private readonly histogram: ColorHistogram;
  private readonly sampler: ReservoirSampler | undefined;
  private readonly counter: DistinctColorCounter | undefined;
  private translucent = false;
  /** Pixels left out as nodata so far. */
  nodataPixels = 0;
  /** Pixels counted, when a sample of the image was (`fitMpx`). */
  private sampledPixels: number | undefined;
  private mask = new Uint8Array(0);
  private readonly conversion = new ConversionBuffer();
  private cachedPoints:
    | { points: Float64Array; weights: Float64Array; count: number; fitChannels: Channels }
    | undefined;

  /** `totalPixels`: an upper bound on the pixels that will be added (sizes the counters). */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly channels: Channels,
    totalPixels: number,
  ) {
    this.histogram = new ColorHistogram(channels === 4 ? 3 : channels, totalPixels);
    // Colour images with many centres will want the second k-means thread: boot it now, while
    // the image is read.
    if (channels >= 3 && options.k >= WARM_UP_PARTNER_K) warmUpLloydPartner();
    if (channels === 4) {
      this.sampler = new ReservoirSampler(options.sample, channels, options.seed);
      this.counter = new DistinctColorCounter(options.k);
    }
  }

  /**
   * Streams one image in (or only `rows` of it: a split image's part), leaving out the pixels
   * `nodata` marks; `onRows` hears of each band's rows.
   */
  async add(
    source: ImageSource,
    onRows?: (rows: number) => void,
    rows?: { from: number; to: number },
    nodata?: NodataRule,
  ): Promise<void> {
    const { options } = this;
    const { width, height, chunkRows } = source.info;
    const bandHeight =
      options.bandHeight ?? chooseBandHeight(width, height, options.memoryBudget, chunkRows);
    // Translucent and transparent pixels decide the output's layout: those images count them all.
    const sample =
      this.sampler || nodata?.transparent
        ? undefined
        : fitSampleFor(width * height, options.fitMpx, options.seed);
    let done = 0;
    // A colour image's counts do not depend on the order of its pixels (the entries come out
    // sorted by colour); the layouts that are sampled keep the image's row order.
    for await (const { band: read, rowsDone } of readPixels(source, {
      bandHeight,
      signal: options.signal,
      rows,
      anyOrder: this.channels === 3,
      sample,
    })) {
      const raw = nodata ? this.withoutNodata(read, nodata) : read;
      if (!this.translucent && !isOpaque(raw)) this.translucent = true;
      // An RGBA band is counted by its RGB as it is; other layouts are converted, into one
      // buffer reused band after band (the counters copy what they keep).
      const band =
        this.channels === 3 && raw.channels === 4
          ? raw
          : this.conversion.convert(raw, this.channels);
      this.histogram.add(band);
      this.sampler?.offer(band);
      this.counter?.offer(band);
      if (sample) this.sampledPixels = (this.sampledPixels ?? 0) + band.width * band.height;
      done += rowsDone;
      if (rowsDone > 0) onRows?.(rowsDone);
    }
    // Rows under a sample's last unit were left out, not read.
    const left = (rows ? rows.to - rows.from : height) - done;
    if (left > 0) onRows?.(left);
  }

  private withoutNodata(band: RowBand, rule: NodataRule): RowBand {
    const pixels = band.width * band.height;
    if (this.mask.length < pixels) this.mask = new Uint8Array(pixels);
    const nodata = markNodata(band, rule, this.mask);
    this.nodataPixels += nodata;
    return nodata === 0 ? band : validPixels(band, this.mask, nodata);
  }

  /**
   * Everything counted so far, for another fitter to add (`addCounts`): how the rows of one image
   * are counted on several machines and fitted on one, with the palette one machine would fit.
   */
  counts(): PixelCounts {
    if (this.channels === 4 && this.translucent) {
      throw new GigaquantError(
        'E_USAGE',
        'translucent RGBA is fitted on a random sample, which cannot be split over tasks: write a palette TIFF (it drops alpha), or run compress on one machine',
      );
    }
    return {
      ...this.histogram.entries(),
      translucent: this.translucent,
      nodataPixels: this.nodataPixels,
      sampledPixels: this.sampledPixels,
    };
  }

  /** Adds another fitter's `counts()` over other rows of the same image. */
  addCounts(counts: PixelCounts): void {
    this.histogram.addCounts(counts.colors, counts.weights, counts.count);
    if (counts.translucent) this.translucent = true;
    this.nodataPixels += counts.nodataPixels ?? 0;
    if (counts.sampledPixels !== undefined)
      this.sampledPixels = (this.sampledPixels ?? 0) + counts.sampledPixels;
  }

  /**
   * The palette of `k` colours (default: the options' k). `last`: its counts go to the fit; with
   * `keepCounts`, where every pixel of an RGB image was counted (not a sample), they go on to
   * pass 2 as `counts` instead (see NearestKernel.learn), for the caller to release.
   */
  async finish(
    k = this.options.k,
    last = false,
    keepCounts = false,
  ): Promise<FitResult & { counts?: CountedColours }> {
    const { options, channels } = this;
    if (channels === 4 && this.translucent)
      return fitOnSample(
        this.sampler as ReservoirSampler,
        this.counter as DistinctColorCounter,
        options,
        k,
      );
    const { points, weights, count, fitChannels } = this.pointsToFit();
    const counts =
      last && keepCounts && this.sampledPixels === undefined
        ? this.histogram.takeTable()
        : undefined;
    if (last) this.histogram.releaseTable();
    const fixed = options.keepColors && keptCentres(options.keepColors, fitChannels);
    const exact = fixed
      ? exactWithKept(points, count, fixed, fitChannels, k)
      : count <= k && points;
    if (exact) {
      return {
        palette: paletteFromColors(exact, fitChannels),
        report: {
          method: 'exact',
          inertia: 0,
          steps: 0,
          stopReason: 'exact-colors',
          sampleSize: count,
          sampledPixels: this.sampledPixels,
        },
        counts,
      };
    }
    options.onProgress?.({ phase: 'cluster', rowsDone: 0, rows: 0 });
    const inLab = options.space === 'oklab' && fitChannels === 3;
    const fit = lloydKMeans(
      inLab ? pointsToOklab(points, count) : points,
      weights,
      count,
      fitChannels,
      {
        k,
        nInit: options.nInitGiven ? options.nInit : startsFor(k, count),
        maxIter: options.maxIter,
        tol: options.tol,
        seed: options.seed,
        fixed: fixed && inLab ? pointsToOklab(fixed, fixed.length / 3) : fixed,
      },
    );
    const centers = inLab ? pointsFromOklab(fit.centers) : fit.centers;
    // Exactly as given, whatever the round trip through OKLab did to them.
    if (fixed) centers.set(fixed, 0);
    return {
      palette: paletteFromColors(centers, fitChannels),
      report: {
        method: 'kmeans-histogram',
        inertia: fit.inertia,
        steps: fit.steps,
        stopReason: fit.stopReason,
        sampleSize: count,
        sampledPixels: this.sampledPixels,
      },
      counts,
    };
  }

  /**
   * The smallest k (up to `maxK`) whose palette reaches `targetPsnr` dB over every pixel, found by
   * bisection (PSNR grows with k, up to the small wobble of k-means' local optima). The PSNR of each
   * candidate is exact: every distinct colour is mapped to its nearest entry, weighted by its count.
   * If even `maxK` falls short, that palette is returned and `reached` is false.
   */
  async finishForTarget(
    targetPsnr: number,
    maxK: number,
  ): Promise<FitResult & { psnr: number; reached: boolean }> {
    if (this.channels === 4 && this.translucent) {
      throw new GigaquantError(
        'E_USAGE',
        '--target-psnr needs an opaque image (translucent RGBA is fitted on a sample)',
      );
    }
    const psnrOf = async (k: number) => {
      const fit = await this.finish(k);
      return { fit, psnr: this.exactPsnr(fit.palette) };
    };
    let best = await psnrOf(maxK);
    if (best.psnr < targetPsnr) return { ...best.fit, psnr: best.psnr, reached: false };
    let lo = Math.max(1, this.options.keepColors?.size ?? 0);
    let hi = Math.max(lo, Math.min(maxK, best.fit.palette.size));
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const tried = await psnrOf(mid);
      if (tried.psnr >= targetPsnr) {
        hi = mid;
        best = tried;
      } else lo = mid + 1;
    }
    if (best.fit.palette.size > hi) best = await psnrOf(hi);
    return { ...best.fit, psnr: best.psnr, reached: true };
  }

  /** PSNR of a palette over every pixel added, from the exact histogram. */
  exactPsnr(palette: Palette): number {
    return histogramPsnr(this.histogram, palette, this.options.space);
  }

  /** The histogram's points in the layout to fit: alpha dropped when it was opaque everywhere. */
  private pointsToFit(): {
    points: Float64Array;
    weights: Float64Array;
    count: number;
    fitChannels: Channels;
  } {
    this.cachedPoints ??= (() => {
      const { channels } = this;
      const dropAlpha = hasAlphaChannel(channels) && !this.translucent;
      const fitChannels = dropAlpha ? layout(channels === 2 ? 1 : 3, false) : channels;
      const fitPoints = this.histogram.fitPoints();
      const histChannels = this.histogram.channels;
      const points =
        histChannels === fitChannels
          ? fitPoints.points
          : dropAlphaOfPoints(fitPoints.points, fitPoints.count, histChannels);
      return { points, weights: fitPoints.weights, count: fitPoints.count, fitChannels };
    })();
    return this.cachedPoints;
  }
}
