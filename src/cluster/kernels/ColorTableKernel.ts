import { KernelUser } from '../../runtime/kernelMemory.js';

/** Pixels per call of countTable. */
const CHUNK_PIXELS = 1 << 16;
const TABLE_SIZE = 1 << 24;
/** Entries per block of the table that `pages` marks (see count.c). */
export const TABLE_PAGE = 1024;

/**
 * The count of every RGB colour of a big image, in the full 2^24 table (64 MiB) in the kernels'
 * memory: bands are copied in and counted by countTable, at a fraction of the cost of the same
 * loop in JavaScript, which was a fifth of a 184 Mpx image's run on the main thread.
 * `counts` is the table, to be read in place; `pages[i]` is 1 when entries i * TABLE_PAGE up to
 * (i + 1) * TABLE_PAGE may hold counts, and the others are zero.
 */
export class ColorTableKernel extends KernelUser {
  readonly counts: Uint32Array;
  readonly pages: Uint8Array;
  private readonly table: number;
  private readonly marks: number;
  private readonly chunk: number;

  constructor() {
    super();
    this.table = this.heap.alloc(TABLE_SIZE * 4);
    this.marks = this.heap.alloc(TABLE_SIZE / TABLE_PAGE);
    this.chunk = this.heap.alloc(CHUNK_PIXELS * 4);
    const buffer = this.heap.commitZeroed(this.table, TABLE_SIZE * 4 + TABLE_SIZE / TABLE_PAGE);
    this.counts = new Uint32Array(buffer, this.table, TABLE_SIZE);
    this.pages = new Uint8Array(buffer, this.marks, TABLE_SIZE / TABLE_PAGE);
  }

  /** Counts the band's pixels by their first three channels. */
  add(band: { data: Uint8Array; width: number; height: number; channels: number }): void {
    this.current();
    const pixels = band.width * band.height;
    const stride = band.channels;
    const input = new Uint8Array(this.memory.buffer, this.chunk, CHUNK_PIXELS * 4);
    for (let from = 0; from < pixels; from += CHUNK_PIXELS) {
      const count = Math.min(CHUNK_PIXELS, pixels - from);
      input.set(band.data.subarray(from * stride, (from + count) * stride));
      this.exports.countTable(this.table, this.marks, this.chunk, count, stride);
    }
  }
}
