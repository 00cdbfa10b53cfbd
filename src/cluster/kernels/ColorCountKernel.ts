import { KernelUser } from '../../runtime/kernelMemory.js';

/** Pixels per call of countBand. */
const CHUNK_PIXELS = 1 << 16;
/**
 * The hash starts at 2^15 slots (256 KiB) and doubles as colours come. Sized for the pixels from
 * the start, a photo of 0.27 Mpx and 44 K colours had 8 MiB of table, and first touching a page
 * costs ~12-15 us on the virtual machines this runs on: that was most of its count.
 */
const START_BITS = 15;

/**
 * The colours of a small image counted in a hash (grown with its colours) in the kernels' memory:
 * RGB bands are copied in and counted, the entries come out sorted by colour.
 */
export class ColorCountKernel extends KernelUser {
  private readonly state: number;
  /** The most slots (as bits) the hash may grow to, from the pixels expected. */
  private readonly maxBits: number;
  private bits: number;
  private chunk: number | undefined;
  /** The entries, once taken out (the memory may then go to another kernel). */
  private counted: { colors: Uint8Array; weights: Float64Array; count: number } | undefined;

  constructor(pixels: number) {
    super();
    const { heap } = this;
    // At most twice the expected pixels: the table fills no more than half when the estimate
    // holds, and countBand stops at half full when it does not.
    this.maxBits = Math.max(10, Math.min(25, Math.ceil(Math.log2(Math.max(1, pixels) * 2))));
    this.bits = Math.min(START_BITS, this.maxBits);
    this.state = heap.alloc(16);
    const { keys, counts, buffer } = this.table(this.bits);
    new Int32Array(buffer, this.state, 4).set([keys, counts, this.bits, 0]);
  }

  /** A table of 2^bits empty slots (the memory may hold an earlier kernel's data). */
  private table(bits: number): { keys: number; counts: number; buffer: ArrayBuffer } {
    const keys = this.heap.alloc(4 << bits);
    const counts = this.heap.alloc(4 << bits);
    return { keys, counts, buffer: this.heap.commitZeroed(keys, 8 << bits) };
  }

  /** Distinct colours counted so far. */
  get size(): number {
    if (this.counted) return this.counted.count;
    this.current();
    return new Int32Array(this.memory.buffer, this.state, 4)[3] as number;
  }

  /**
   * Counts the band's pixels by their first three channels; returns how many it counted, fewer
   * than the band's when the table is full at its largest (half its slots: see count.c).
   */
  add(band: { data: Uint8Array; width: number; height: number; channels: number }): number {
    if (this.counted) throw new Error('colours added after their entries were taken');
    this.current();
    const pixels = band.width * band.height;
    const stride = band.channels;
    this.chunk ??= this.heap.alloc(CHUNK_PIXELS * 4);
    for (let from = 0; from < pixels;) {
      const count = Math.min(CHUNK_PIXELS, pixels - from);
      new Uint8Array(this.heap.commit(), this.chunk, count * stride).set(
        band.data.subarray(from * stride, (from + count) * stride),
      );
      const counted = this.exports.countBand(this.state, this.chunk, count, stride);
      from += counted;
      if (counted < count) {
        if (this.bits === this.maxBits) return from;
        this.bits++;
        const { keys, counts } = this.table(this.bits);
        this.exports.countGrow(this.state, keys, counts, this.bits);
      }
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
