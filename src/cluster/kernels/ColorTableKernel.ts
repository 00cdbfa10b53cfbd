import { KernelUser } from '../../runtime/kernelMemory.js';

/** Pixels per call of countTable. */
const CHUNK_PIXELS = 1 << 16;
const TABLE_SIZE = 1 << 24;
/** Entries per block of the table that `pages` marks (see count.c). */
export const TABLE_PAGE = 1024;

/**
 * What a colour's count moves aside in, past 2^31: counts stay 32 bits in the table, however
 * many pixels are counted.
 */
export const HIGH = 2 ** 31;

/**
 * The count of every RGB colour of a big image, in the full 2^24 table (64 MiB) in the kernels'
 * memory: bands are copied in and counted by countTable, at a fraction of the cost of the same
 * loop in JavaScript, which was a fifth of a 184 Mpx image's run on the main thread.
 * `counts` is the table, to be read in place; `pages[i]` is 1 when entries i * TABLE_PAGE up to
 * (i + 1) * TABLE_PAGE may hold counts, and the others are zero. A colour's count is
 * `counts[key] + (highs.get(key) ?? 0) * HIGH`.
 * Counts stay 32 bits past 2^32 pixels (8 gigapixels would otherwise need a table of doubles, 128
 * MiB more): before a count could pass 2^32, every count of 2^31 or more moves 2^31 aside into
 * `highs`. That happens once every 2^31 pixels, in a scan of the blocks counted; a check in the
 * kernel's loop instead made counting 1.1-1.5x slower.
 */
export class ColorTableKernel extends KernelUser {
  readonly counts: Uint32Array;
  readonly pages: Uint8Array;
  /** For the colours whose count passed 2^31: how many times 2^31 was moved aside. */
  readonly highs = new Map<number, number>();
  private readonly table: number;
  private readonly marks: number;
  private readonly chunk: number;
  /** Pixels counted since every count was last below 2^31. */
  private sinceMoved = 0;

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
      // Every count is below 2^31 now: up to 2^31 more pixels keep them below 2^32.
      if (this.sinceMoved + count > HIGH) this.moveHighs();
      this.sinceMoved += count;
      input.set(band.data.subarray(from * stride, (from + count) * stride));
      this.exports.countTable(this.table, this.marks, this.chunk, count, stride);
    }
  }

  /** Adds `count` to a colour's count, as `add` would (for counts taken elsewhere). */
  addCount(key: number, count: number): void {
    const sum = (this.counts[key] as number) + count;
    this.counts[key] = sum % HIGH;
    this.pages[Math.floor(key / TABLE_PAGE)] = 1;
    if (sum >= HIGH) this.moveHigh(key, Math.floor(sum / HIGH));
  }

  /** Calls `visit` for every colour counted, in colour order; blocks never written are skipped. */
  forEachCount(visit: (key: number, count: number) => void): void {
    const { counts, pages } = this;
    // The colours with a part of their count moved aside, in colour order, met as the scan
    // reaches them (a count of exactly 2^31 reads 0 in the table and must still be visited).
    const highs = [...this.highs].sort((a, b) => a[0] - b[0]);
    let next = 0;
    let nextKey = highs.length > 0 ? (highs[0] as [number, number])[0] : -1;
    for (let b = 0; b < pages.length; b++) {
      if (pages[b] === 0) continue;
      for (let key = b * TABLE_PAGE, end = key + TABLE_PAGE; key < end; key++) {
        let w = counts[key] as number;
        if (key === nextKey) {
          w += (highs[next] as [number, number])[1] * HIGH;
          nextKey = ++next < highs.length ? (highs[next] as [number, number])[0] : -1;
        }
        if (w !== 0) visit(key, w);
      }
    }
  }

  private moveHighs(): void {
    const { counts, pages } = this;
    for (let b = 0; b < pages.length; b++) {
      if (pages[b] === 0) continue;
      for (let key = b * TABLE_PAGE, end = key + TABLE_PAGE; key < end; key++) {
        if ((counts[key] as number) < HIGH) continue;
        counts[key] = (counts[key] as number) - HIGH;
        this.moveHigh(key, 1);
      }
    }
    this.sinceMoved = 0;
  }

  private moveHigh(key: number, times: number): void {
    this.highs.set(key, (this.highs.get(key) ?? 0) + times);
  }
}
