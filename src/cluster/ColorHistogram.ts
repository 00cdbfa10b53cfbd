import type { RowBand } from '../types.js';
import { ColorCountKernel } from './kernels/ColorCountKernel.js';
import { ColorTableKernel } from './kernels/ColorTableKernel.js';

/** RGB images up to this many pixels are counted in a hash rather than the 2^24 table. */
export const SPARSE_PIXELS = 1 << 22;

/** Above this many distinct colours, the fit works on 6-bit bins (each at its exact mean colour). */
export const MAX_FIT_POINTS = 1 << 18;

/**
 * Every RGB colour of an image counted, kept past the fit for pass 2 (NearestKernel.learn). Once
 * released, holding it keeps no memory.
 */
export interface CountedColours {
  /** Calls `visit` for every colour counted (packed, channel 0 lowest), in colour order. */
  forEachCount(visit: (key: number, count: number) => void): void;
  release(): void;
}

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
  /** RGB images past the hash: the 2^24 table counted in the kernels (`counts` is its memory). */
  private dense: ColorTableKernel | undefined;
  /** The entries, once taken out: the table's memory then goes to the fit (see `entries`). */
  private counted: { colors: Uint8Array; weights: Float64Array; count: number } | undefined;
  /** Pixels counted so far: the counts' type follows it, not the caller's estimate. */
  private added = 0;
  /** The table was let go (releaseTable). */
  private released = false;

  /**
   * `pixels` estimates the pixels that will be added: up to SPARSE_PIXELS an RGB image is
   * counted in a hash that grows with its colours up to a size for that many pixels, which
   * spares a small photo the allocation and the scans of the 64 MiB table. More colours than
   * the largest hash holds move the count to the table. Past 2^32 - 1 pixels the table's counts
   * stay 32 bits (the kernel moves what passes 2^31 aside); a grey image's counts become doubles.
   */
  constructor(channels: 1 | 2 | 3, pixels: number) {
    this.channels = channels;
    if (channels === 3 && pixels <= SPARSE_PIXELS) {
      this.sparse = new ColorCountKernel(pixels);
      this.counts = new Uint32Array(0);
      return;
    }
    this.counts = channels === 3 ? this.denseTable() : new Uint32Array(1 << (8 * channels));
  }

  private denseTable(): Uint32Array {
    this.dense = new ColorTableKernel();
    return this.dense.counts;
  }

  /** Counts the band's pixels by their first `channels` channels (an RGBA band counts by RGB). */
  add(band: RowBand): void {
    this.stillCounting();
    const pixels = band.width * band.height;
    this.added += pixels;
    if (this.added >= 2 ** 32 && this.counts instanceof Uint32Array && !this.sparse && !this.dense)
      this.countInDoubles();
    if (this.sparse) {
      const counted = this.sparse.add(band);
      if (counted === pixels) return;
      this.leaveSparse();
      const rest = band.data.subarray(counted * band.channels);
      band = { ...band, data: rest, width: pixels - counted, height: 1 };
    }
    if (this.dense) {
      this.dense.add(band);
      return;
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
    this.stillCounting();
    if (this.sparse) this.leaveSparse();
    const pixels = weights.subarray(0, count).reduce((s, w) => s + w, 0);
    this.added += pixels;
    const { dense } = this;
    if (this.added >= 2 ** 32 && this.counts instanceof Uint32Array && !dense)
      this.countInDoubles();
    const c = this.channels;
    const counts = this.counts;
    for (let i = 0; i < count; i++) {
      let key = 0;
      for (let ch = 0; ch < c; ch++) key |= (colors[i * c + ch] as number) << (8 * ch);
      if (dense) dense.addCount(key, weights[i] as number);
      else counts[key] = (counts[key] as number) + (weights[i] as number);
    }
  }

  /** Moves the hash's counts into the 2^24 table, for an image with more colours than it holds. */
  private leaveSparse(): void {
    const sparse = this.sparse as ColorCountKernel;
    const { colors, weights, count } = sparse.entries();
    this.sparse = undefined;
    this.counts = this.denseTable();
    const dense = this.dense as ColorTableKernel;
    for (let i = 0; i < count; i++) {
      const key =
        (colors[i * 3] as number) |
        ((colors[i * 3 + 1] as number) << 8) |
        ((colors[i * 3 + 2] as number) << 16);
      dense.addCount(key, weights[i] as number);
    }
  }

  /**
   * From 2^32 pixels a grey image's count may not fit 32 bits: its table (at most 2^16 entries)
   * moves to doubles.
   */
  private countInDoubles(): void {
    this.counts = Float64Array.from(this.counts);
  }

  private stillCounting(): void {
    if (this.counted || this.released)
      throw new Error('colours added after their entries were taken');
  }

  /**
   * Lets the 2^24 table go back to the kernels, for a fit that will not ask for the counts again
   * (it takes the same memory): with more colours than MAX_FIT_POINTS the fit's points are bins,
   * and the table stayed beside the fit's own memory (an 8 Gpx run: 251 MiB at the fit, 224
   * before it). Nothing may be asked of the counts afterwards.
   */
  releaseTable(): void {
    this.takeTable()?.release();
  }

  /**
   * Hands the 2^24 table over to the caller, where the counts are in it (an RGB image past the
   * hash, not yet listed by `entries`), instead of letting it go as `releaseTable` does; the caller
   * releases it. Nothing may be asked of the histogram afterwards.
   */
  takeTable(): CountedColours | undefined {
    let table = this.dense;
    if (!table) return undefined;
    this.dense = undefined;
    this.counts = new Uint32Array(0);
    this.released = true;
    return {
      forEachCount: (visit) => {
        if (!table) throw new Error('the colour counts were let go');
        table.forEachCount(visit);
      },
      release: () => {
        table?.release();
        table = undefined;
      },
    };
  }

  /** How many distinct colours were seen. */
  distinct(): number {
    if (this.released) throw new Error('the colour counts were let go');
    if (this.counted) return this.counted.count;
    if (this.sparse) return this.sparse.size;
    let n = 0;
    this.forEachCount(() => n++);
    return n;
  }

  /** Calls `visit` for every colour counted, in colour order. */
  private forEachCount(visit: (key: number, count: number) => void): void {
    if (this.dense) {
      this.dense.forEachCount(visit);
      return;
    }
    const { counts } = this;
    for (let key = 0; key < counts.length; key++) {
      const w = counts[key] as number;
      if (w !== 0) visit(key, w);
    }
  }

  /**
   * Distinct colours (packed, channel 0 first) with their pixel counts, in colour order. Counting
   * ends here: nothing may be added afterwards.
   */
  entries(): { colors: Uint8Array; weights: Float64Array; count: number } {
    this.counted ??= this.sparse ? this.sparse.entries() : this.tableEntries();
    // The 64 MiB table goes back to the kernels, where the fit that follows takes it: a big
    // image's fit then costs no memory beyond what counting took.
    this.dense?.release();
    this.dense = undefined;
    this.counts = new Uint32Array(0);
    return this.counted;
  }

  private tableEntries(): { colors: Uint8Array; weights: Float64Array; count: number } {
    const c = this.channels;
    const count = this.distinct();
    const colors = new Uint8Array(count * c);
    const weights = new Float64Array(count);
    let i = 0;
    this.forEachCount((key, w) => {
      for (let ch = 0; ch < c; ch++) colors[i * c + ch] = (key >>> (8 * ch)) & 255;
      weights[i++] = w;
    });
    return { colors, weights, count };
  }

  /**
   * The points to fit: every distinct colour with its count, or, when there are more than
   * `MAX_FIT_POINTS`, 6-bit bins placed at the exact mean of the colours in them (a bin is 4
   * levels wide, so the loss is a fraction of a level), numbered as colour order first reaches
   * them. Bins are made straight from the counts: a big photo's millions of distinct colours are
   * never listed, which kept 40 MB more at the fit than counting took.
   */
  fitPoints(): { points: Float64Array; weights: Float64Array; count: number } {
    const count = this.distinct();
    if (count <= MAX_FIT_POINTS) {
      const { colors, weights } = this.entries();
      return { points: Float64Array.from(colors), weights, count };
    }
    const c = this.channels;
    const binOf = new Int32Array(1 << (6 * c)).fill(-1);
    const binWeights = new Float64Array(1 << (6 * c));
    const sums = new Float64Array((1 << (6 * c)) * c);
    let bins = 0;
    const visit = (key: number, w: number): void => {
      let bin = 0;
      for (let ch = 0; ch < c; ch++) bin |= (((key >>> (8 * ch)) & 255) >> 2) << (6 * ch);
      let b = binOf[bin] as number;
      if (b < 0) b = binOf[bin] = bins++;
      binWeights[b] = (binWeights[b] as number) + w;
      for (let ch = 0; ch < c; ch++)
        sums[b * c + ch] = (sums[b * c + ch] as number) + w * ((key >>> (8 * ch)) & 255);
    };
    if (this.counted || this.sparse) {
      const { colors, weights } = this.entries();
      for (let i = 0; i < count; i++) {
        let key = 0;
        for (let ch = 0; ch < c; ch++) key |= (colors[i * c + ch] as number) << (8 * ch);
        visit(key, weights[i] as number);
      }
    } else this.forEachCount(visit);
    const points = new Float64Array(bins * c);
    for (let b = 0; b < bins; b++)
      for (let ch = 0; ch < c; ch++)
        points[b * c + ch] = (sums[b * c + ch] as number) / (binWeights[b] as number);
    return { points, weights: binWeights.slice(0, bins), count: bins };
  }
}
