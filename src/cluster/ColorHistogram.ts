import type { RowBand } from '../types.js';
import { ColorCountKernel } from './kernels/ColorCountKernel.js';

/** RGB images up to this many pixels are counted in a hash rather than the 2^24 table. */
export const SPARSE_PIXELS = 1 << 22;

/** Above this many distinct colours, the fit works on 6-bit bins (each at its exact mean colour). */
export const MAX_FIT_POINTS = 1 << 18;

/**
 * Exact count of every colour of a stream, for 1-3 channel images (at most 2^24 entries, 64 MiB
 * for RGB, whatever the image size). It turns k-means over every pixel into weighted k-means over
 * the distinct colours, which is the same problem and far smaller.
 */
export class ColorHistogram {
  readonly channels: 1 | 2 | 3;
  private counts: Uint32Array | Float64Array;
  /** Small RGB images: a hash of the colours seen instead of the 2^24 table (see constructor). */
  private sparse: ColorCountKernel | undefined;
  /** Pixels counted so far: the counts' type follows it, not the caller's estimate. */
  private added = 0;

  /**
   * `pixels` estimates the pixels that will be added: up to SPARSE_PIXELS an RGB image is
   * counted in a hash sized for it, which spares a small photo the allocation and the scans of
   * the 64 MiB table. The estimate only sizes the start: more colours than the hash holds move
   * the count to the table, and more than 2^32 - 1 pixels make the counts doubles.
   */
  constructor(channels: 1 | 2 | 3, pixels: number) {
    this.channels = channels;
    if (channels === 3 && pixels <= SPARSE_PIXELS) {
      this.sparse = new ColorCountKernel(pixels);
      this.counts = new Uint32Array(0);
      return;
    }
    this.counts = new Uint32Array(1 << (8 * channels));
  }

  /** Counts the band's pixels by their first `channels` channels (an RGBA band counts by RGB). */
  add(band: RowBand): void {
    const pixels = band.width * band.height;
    this.added += pixels;
    if (this.added >= 2 ** 32 && this.counts instanceof Uint32Array && !this.sparse)
      this.counts = Float64Array.from(this.counts);
    if (this.sparse) {
      const counted = this.sparse.add(band);
      if (counted === pixels) return;
      this.leaveSparse();
      const rest = band.data.subarray(counted * band.channels);
      band = { ...band, data: rest, width: pixels - counted, height: 1 };
    }
    const { data } = band;
    const counts = this.counts;
    const n = band.width * band.height;
    const stride = band.channels;
    switch (this.channels) {
      case 1:
        for (let p = 0, o = 0; p < n; p++, o += stride) {
          const key = data[o] as number;
          counts[key] = (counts[key] as number) + 1;
        }
        break;
      case 2:
        for (let p = 0, o = 0; p < n; p++, o += stride) {
          const key = (data[o] as number) | ((data[o + 1] as number) << 8);
          counts[key] = (counts[key] as number) + 1;
        }
        break;
      case 3:
        for (let p = 0, o = 0; p < n; p++, o += stride) {
          const key =
            (data[o] as number) | ((data[o + 1] as number) << 8) | ((data[o + 2] as number) << 16);
          counts[key] = (counts[key] as number) + 1;
        }
        break;
    }
  }

  /**
   * Adds counts taken from another histogram's `entries()` (the same image's other rows, counted
   * elsewhere): the sum is exact, so the entries are those of one histogram over all the rows.
   */
  addCounts(colors: Uint8Array, weights: Float64Array, count: number): void {
    if (this.sparse) this.leaveSparse();
    const pixels = weights.subarray(0, count).reduce((s, w) => s + w, 0);
    this.added += pixels;
    if (this.added >= 2 ** 32 && this.counts instanceof Uint32Array)
      this.counts = Float64Array.from(this.counts);
    const c = this.channels;
    const counts = this.counts;
    for (let i = 0; i < count; i++) {
      let key = 0;
      for (let ch = 0; ch < c; ch++) key |= (colors[i * c + ch] as number) << (8 * ch);
      counts[key] = (counts[key] as number) + (weights[i] as number);
    }
  }

  /** Moves the hash's counts into the 2^24 table, for an image with more colours than it holds. */
  private leaveSparse(): void {
    const sparse = this.sparse as ColorCountKernel;
    const { colors, weights, count } = sparse.entries();
    this.sparse = undefined;
    this.counts = this.added < 2 ** 32 ? new Uint32Array(1 << 24) : new Float64Array(1 << 24);
    for (let i = 0; i < count; i++) {
      const key =
        (colors[i * 3] as number) |
        ((colors[i * 3 + 1] as number) << 8) |
        ((colors[i * 3 + 2] as number) << 16);
      this.counts[key] = weights[i] as number;
    }
  }

  /** How many distinct colours were seen. */
  distinct(): number {
    if (this.sparse) return this.sparse.size;
    let n = 0;
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== 0) n++;
    return n;
  }

  /** Distinct colours (packed, channel 0 first) with their pixel counts, in colour order. */
  entries(): { colors: Uint8Array; weights: Float64Array; count: number } {
    if (this.sparse) return this.sparse.entries();
    const c = this.channels;
    const count = this.distinct();
    const colors = new Uint8Array(count * c);
    const weights = new Float64Array(count);
    for (let key = 0, i = 0; key < this.counts.length; key++) {
      const w = this.counts[key] as number;
      if (w === 0) continue;
      for (let ch = 0; ch < c; ch++) colors[i * c + ch] = (key >>> (8 * ch)) & 255;
      weights[i++] = w;
    }
    return { colors, weights, count };
  }

  /**
   * The points to fit: every distinct colour with its count, or, when there are more than
   * `MAX_FIT_POINTS`, 6-bit bins placed at the exact mean of the colours in them (a bin is 4
   * levels wide, so the loss is a fraction of a level).
   */
  fitPoints(): { points: Float64Array; weights: Float64Array; count: number } {
    const { colors, weights, count } = this.entries();
    const c = this.channels;
    if (count <= MAX_FIT_POINTS) return { points: Float64Array.from(colors), weights, count };
    const bins = new Map<number, number>();
    const sums: number[] = [];
    const binWeights: number[] = [];
    for (let i = 0; i < count; i++) {
      let key = 0;
      for (let ch = 0; ch < c; ch++) key |= ((colors[i * c + ch] as number) >> 2) << (6 * ch);
      let b = bins.get(key);
      if (b === undefined) {
        b = binWeights.length;
        bins.set(key, b);
        binWeights.push(0);
        for (let ch = 0; ch < c; ch++) sums.push(0);
      }
      const w = weights[i] as number;
      binWeights[b] = (binWeights[b] as number) + w;
      for (let ch = 0; ch < c; ch++)
        sums[b * c + ch] = (sums[b * c + ch] as number) + w * (colors[i * c + ch] as number);
    }
    const points = new Float64Array(binWeights.length * c);
    for (let b = 0; b < binWeights.length; b++) {
      for (let ch = 0; ch < c; ch++)
        points[b * c + ch] = (sums[b * c + ch] as number) / (binWeights[b] as number);
    }
    return { points, weights: Float64Array.from(binWeights), count: binWeights.length };
  }
}
