import { KernelUser } from '../../runtime/kernelMemory.js';
import type { CountedColours } from '../ColorHistogram.js';
import { LOOKUP_COLOURS, type ColourLookup } from '../../model/colourLookup.js';

/**
 * Must match NEIGHBOURS (native/kernels.h), CACHE_BITS, GUESS_CELLS and LIST_SHIFT
 * (native/nearest.c).
 */
const NEIGHBOURS = 24;
const CACHE_SLOTS = 1 << 18;
const GUESS_CELLS = 16 ** 3;
const LIST_CELLS = 32 ** 3;
/** Entries the cells' lists may hold in all: a cell that does not fit is searched another way. */
const POOL_ENTRIES = 1 << 18;
/** Pixels per call of nearestBand. */
const CHUNK_PIXELS = 1 << 16;
/** Colours per call of nearestLearn. */
const LEARN_CHUNK = 1 << 16;

/** Tells the lookups this process hands out apart (see ColourLookup.id). */
let lookupsMade = 0;

/** Where answers are kept: see NearestKernel. */
export type NearestAnswers = 'cache' | 'table' | 'learned';

/**
 * Pass 2's nearest palette entry for RGB pixels: exact (lowest index on ties), through a cache of
 * answers, else a scan of the few entries that can be nearest in the pixel's cell of a 32^3 grid
 * (listed on first need), else a search through the nearest neighbours of the entry nearest the
 * pixel's cell in a 16^3 grid.
 * With answers in a 'table', the cache is a table of every RGB colour's answer instead (16 MiB for
 * k <= 256, 32 MiB above, and 2 MiB of bits saying which are known; see nearest.c): each colour
 * is searched once. For images from a few megapixels (NearestColorMatcher says which): a small one
 * gains nothing from it, and would hold up to 18 MiB more. 'learned': the table, filled at once
 * by `learn` from pass 1's counts, and the cache for colours that were not counted.
 */
export class NearestKernel extends KernelUser {
  private readonly state: number;
  private chunk: { data: number; out: number } | undefined;
  /** Where learned answers of a byte each are, for the decode threads (see `lookup`). */
  private readonly learnedTable: number | undefined;
  private learnedLookup: ColourLookup | undefined;

  /** `colors`: the palette, k x 3 bytes. */
  constructor(colors: Uint8Array, k: number, answers: NearestAnswers = 'cache') {
    super();
    const { heap } = this;
    // Both the cache and the table start empty (see nearest.c), as the lists' cells and the
    // guesses do: zeroed at once where an earlier user wrote.
    // The table's entries are as wide as nearest.c reads them: 1 byte up to k = 256.
    const tableBytes =
      answers === 'cache' ? 0 : LOOKUP_COLOURS * (k <= 256 ? 1 : 2) + LOOKUP_COLOURS / 8;
    const cacheBytes = answers === 'table' ? 0 : CACHE_SLOTS * 8;
    const answerBytes = tableBytes + cacheBytes;
    const at = {
      state: heap.alloc(64),
      bytes: heap.alloc(k * 3),
      palette: heap.alloc(k * 24),
      half: heap.alloc(k * 8),
      near: heap.alloc(k * NEIGHBOURS * 4),
      nearDist: heap.alloc(k * NEIGHBOURS * 8),
      beyond: heap.alloc(k * 8),
      guess: heap.alloc(GUESS_CELLS * 4),
      pool: heap.alloc(POOL_ENTRIES * 2),
      answers: heap.alloc(answerBytes),
      cells: heap.alloc(LIST_CELLS * 8),
    };
    const buffer = heap.commitZeroed(at.answers, answerBytes + LIST_CELLS * 8);
    new Int32Array(buffer, at.guess, GUESS_CELLS).fill(0);
    new Float64Array(buffer, at.palette, k * 3).set(colors.subarray(0, k * 3));
    new Uint8Array(buffer, at.bytes, k * 3).set(colors.subarray(0, k * 3));
    const table = tableBytes > 0 ? at.answers : 0;
    const cache = cacheBytes > 0 ? at.answers + tableBytes : 0;
    new Int32Array(buffer, at.state, 16).set([
      at.palette,
      k,
      at.half,
      at.near,
      at.nearDist,
      at.beyond,
      cache,
      cache && cache + CACHE_SLOTS * 4,
      at.guess,
      at.cells,
      at.pool,
      POOL_ENTRIES,
      0,
      table,
      table && table + tableBytes - LOOKUP_COLOURS / 8,
      at.bytes,
    ]);
    this.exports.nearestInit(at.state);
    this.state = at.state;
    if (answers === 'learned' && k <= 256) this.learnedTable = table;
  }

  /**
   * After `learn`, the learned answers as the decode threads read them, where they are a byte
   * each (k <= 256), with room beside them for `threads` threads' own use of `bytesEach` bytes
   * (asked for once: later calls give the same lookup). The memory stays this kernel's: the
   * lookup must not be used once the kernel is released.
   */
  lookup(threads: number, bytesEach: number): ColourLookup | undefined {
    this.current();
    if (this.learnedTable === undefined) return undefined;
    if (!this.learnedLookup) {
      const { heap } = this;
      const taken = heap.alloc(8);
      // On 16 bytes, as clang lays out the stack each stretch starts with (the heap gives 8).
      const at = Math.ceil(heap.alloc(threads * bytesEach + 8) / 16) * 16;
      new Int32Array(heap.commit(), taken, 1)[0] = 0;
      this.learnedLookup = {
        memory: this.memory,
        table: this.learnedTable,
        known: this.learnedTable + LOOKUP_COLOURS,
        room: { at, bytes: bytesEach, count: threads },
        taken,
        id: ++lookupsMade,
      };
    }
    return this.learnedLookup;
  }

  /**
   * Puts every counted colour's answer in the table ('learned' answers only, before `assign`),
   * and returns the error of all the pixels counted: `assign` leaves those colours' error out of
   * what it returns, so that the matching loop costs a load and a store a pixel.
   */
  learn(counted: CountedColours): number {
    this.current();
    const { heap } = this;
    const keysAt = heap.alloc(LEARN_CHUNK * 4);
    const countsAt = heap.alloc(LEARN_CHUNK * 8);
    const buffer = heap.commit();
    const keys = new Uint32Array(buffer, keysAt, LEARN_CHUNK);
    const counts = new Float64Array(buffer, countsAt, LEARN_CHUNK);
    let sse = 0;
    let n = 0;
    const flush = (): void => {
      sse += this.exports.nearestLearn(this.state, keysAt, countsAt, n);
      n = 0;
    };
    counted.forEachCount((key, count) => {
      keys[n] = key;
      counts[n++] = count;
      if (n === LEARN_CHUNK) flush();
    });
    flush();
    return sse;
  }

  /**
   * Nearest index of each of `pixels` RGB pixels of `data` into `out`; returns the SSE (of the
   * colours not learned).
   */
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
