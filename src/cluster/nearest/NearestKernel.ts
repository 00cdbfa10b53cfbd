import { KernelUser } from '../../runtime/kernelMemory.js';

/** Must match NEIGHBOURS (native/kernels.h), CACHE_BITS and GUESS_CELLS (native/nearest.c). */
const NEIGHBOURS = 24;
const CACHE_SLOTS = 1 << 18;
const GUESS_CELLS = 16 ** 3;
/** Pixels per call of nearestBand. */
const CHUNK_PIXELS = 1 << 16;

/**
 * Pass 2's nearest palette entry for RGB pixels: exact (lowest index on ties), through a cache of
 * answers, else a search through the nearest neighbours of the entry nearest the pixel's cell in
 * a 16^3 grid.
 */
export class NearestKernel extends KernelUser {
  private readonly state: number;
  private chunk: { data: number; out: number } | undefined;

  /** `colors`: the palette, k x 3 bytes. */
  constructor(colors: Uint8Array, k: number) {
    super();
    const { heap } = this;
    const at = {
      state: heap.alloc(40),
      palette: heap.alloc(k * 24),
      half: heap.alloc(k * 8),
      near: heap.alloc(k * NEIGHBOURS * 4),
      nearDist: heap.alloc(k * NEIGHBOURS * 8),
      beyond: heap.alloc(k * 8),
      cacheKey: heap.alloc(CACHE_SLOTS * 4),
      cacheIndex: heap.alloc(CACHE_SLOTS * 4),
      cacheDist: heap.alloc(CACHE_SLOTS * 4),
      guess: heap.alloc(GUESS_CELLS * 4),
    };
    // The cache starts empty (see nearest.c): zeroed where an earlier user of the memory wrote.
    const buffer = heap.commitZeroed(at.cacheIndex, CACHE_SLOTS * 4);
    new Float64Array(buffer, at.palette, k * 3).set(colors.subarray(0, k * 3));
    new Int32Array(buffer, at.state, 10).set([
      at.palette,
      k,
      at.half,
      at.near,
      at.nearDist,
      at.beyond,
      at.cacheKey,
      at.cacheIndex,
      at.cacheDist,
      at.guess,
    ]);
    this.exports.nearestInit(at.state);
    this.state = at.state;
  }

  /** Nearest index of each of `pixels` RGB pixels of `data` into `out`; returns the SSE. */
  assign(data: Uint8Array, pixels: number, out: Uint8Array | Uint16Array): number {
    this.current();
    if (!this.chunk) {
      // Bands pass through in chunks, so that the kernels' memory stays small (it never shrinks).
      this.chunk = {
        data: this.heap.alloc(CHUNK_PIXELS * 3),
        out: this.heap.alloc(CHUNK_PIXELS * 2),
      };
      this.heap.commit();
    }
    const { buffer } = this.memory;
    const input = new Uint8Array(buffer, this.chunk.data, CHUNK_PIXELS * 3);
    const indexBytes = out.BYTES_PER_ELEMENT;
    const result =
      indexBytes === 1
        ? new Uint8Array(buffer, this.chunk.out, CHUNK_PIXELS)
        : new Uint16Array(buffer, this.chunk.out, CHUNK_PIXELS);
    let sse = 0;
    for (let from = 0; from < pixels; from += CHUNK_PIXELS) {
      const count = Math.min(CHUNK_PIXELS, pixels - from);
      input.set(data.subarray(from * 3, (from + count) * 3));
      sse += this.exports.nearestBand(
        this.state,
        this.chunk.data,
        count,
        this.chunk.out,
        indexBytes,
      );
      out.set(result.subarray(0, count), from);
    }
    return sse;
  }
}
