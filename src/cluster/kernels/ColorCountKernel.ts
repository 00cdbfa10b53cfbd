import { KernelUser } from '../../runtime/kernelMemory.js';

/** Pixels per call of countBand. */
const CHUNK_PIXELS = 1 << 16;

/**
 * The colours of a small image counted in a hash (sized for its pixels) in the kernels' memory:
 * RGB bands are copied in and counted, the entries come out sorted by colour.
 */
export class ColorCountKernel extends KernelUser {
  private readonly state: number;
  private chunk: number | undefined;
  /** The entries, once taken out (the memory may then go to another kernel). */
  private counted: { colors: Uint8Array; weights: Float64Array; count: number } | undefined;

  constructor(pixels: number) {
    super();
    const { heap } = this;
    // Twice the expected pixels: the table fills no more than half when the estimate holds, and
    // countBand stops at half full when it does not.
    const bits = Math.max(10, Math.min(25, Math.ceil(Math.log2(Math.max(1, pixels) * 2))));
    const state = heap.alloc(16);
    const keys = heap.alloc(4 << bits);
    const counts = heap.alloc(4 << bits);
    // The memory may hold an earlier kernel's data: the table starts empty.
    const buffer = heap.commitZeroed(keys, 8 << bits);
    new Int32Array(buffer, state, 4).set([keys, counts, bits, 0]);
    this.state = state;
  }

  /** Distinct colours counted so far. */
  get size(): number {
    if (this.counted) return this.counted.count;
    this.current();
    return new Int32Array(this.memory.buffer, this.state, 4)[3] as number;
  }

  /**
   * Counts the band's pixels by their first three channels; returns how many it counted, fewer
   * than the band's when the table is full (half its slots: see count.c).
   */
  add(band: { data: Uint8Array; width: number; height: number; channels: number }): number {
    if (this.counted) throw new Error('colours added after their entries were taken');
    this.current();
    const pixels = band.width * band.height;
    const stride = band.channels;
    this.chunk ??= this.heap.alloc(CHUNK_PIXELS * 4);
    const input = new Uint8Array(this.heap.commit(), this.chunk, CHUNK_PIXELS * 4);
    for (let from = 0; from < pixels; from += CHUNK_PIXELS) {
      const count = Math.min(CHUNK_PIXELS, pixels - from);
      input.set(band.data.subarray(from * stride, (from + count) * stride));
      const counted = this.exports.countBand(this.state, this.chunk, count, stride);
      if (counted < count) return from + counted;
    }
    return pixels;
  }

  /** The distinct colours (3 bytes each) in colour order, with their pixel counts. */
  entries(): { colors: Uint8Array; weights: Float64Array; count: number } {
    if (this.counted) return this.counted;
    const count = this.size;
    const heap = this.heap;
    const colors = heap.alloc(count * 3);
    const weights = heap.alloc(count * 8);
    const scratch = heap.alloc((4 * count + 4096) * 4);
    const buffer = heap.commit();
    this.exports.countEntries(this.state, colors, weights, scratch);
    this.counted = {
      colors: new Uint8Array(buffer, colors, count * 3).slice(),
      weights: new Float64Array(buffer, weights, count).slice(),
      count,
    };
    this.release();
    return this.counted;
  }
}
