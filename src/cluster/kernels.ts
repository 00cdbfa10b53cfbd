import { readFileSync } from 'node:fs';
import type { PartnerJob } from './kernelPartnerProtocol.js';
import type { Drift } from './lloydStep.js';

/**
 * The k-means kernels for colours (3-channel points), in WebAssembly built from native/kernels.c
 * (native/build.sh). A one-off fit is over in a few hundred milliseconds, most of which plain
 * JavaScript spends in its slower tiers before the optimiser catches up; compiled code runs at
 * full speed from the first call (measured: Lloyd at k=256 on the bench's photos 190 -> 110 ms,
 * Wu's boxes 13-90 -> 3 ms).
 */
interface KernelExports {
  __heap_base: { value: number };
  neighbours(step: number): void;
  step(step: number, from: number, to: number): number;
  wu(
    points: number,
    weights: number,
    n: number,
    k: number,
    centers: number,
    labels: number,
    scratch: number,
  ): number;
  wuScratchBytes(n: number, k: number): number;
  countBand(counts: number, data: number, pixels: number, stride: number): void;
  countEntries(counts: number, colors: number, weights: number, scratch: number): void;
  nearestInit(nearest: number): void;
  nearestBand(
    nearest: number,
    data: number,
    count: number,
    out: number,
    indexBytes: number,
  ): number;
}

/** Must match NEIGHBOURS, CACHE_BITS and GUESS_CELLS in kernels.c. */
const NEIGHBOURS = 24;
const CACHE_SLOTS = 1 << 18;
const GUESS_CELLS = 16 ** 3;
/** Pixels per call of nearestBand. */
const CHUNK_PIXELS = 1 << 16;
/** Bytes of the Step block: 16 four-byte fields, then two doubles (checked in kernels.c). */
const STEP_BYTES = 80;
const PAGE = 65536;
/** The partner thread's stack (the kernels use a few hundred bytes). */
const PARTNER_STACK_BYTES = 64 * 1024;

/** The part of the WebAssembly API used here (its types come with the DOM library only). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => KernelMemory;
}

interface KernelMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

let compiled: object | undefined;

function kernelModule(): object {
  compiled ??= new WebAssembly.Module(
    readFileSync(new URL('../../native/kernels.wasm', import.meta.url)),
  );
  return compiled;
}

/** Pages of 64 KiB the kernels' memory may grow to (4 GiB, all that 32-bit addresses reach). */
const MAX_PAGES = 65536;

/**
 * An instance of the kernels and its memory, used by one kernel object at a time and handed back
 * when it is done, to be reused from the bottom of its heap. A process quantizing one image after
 * another thus keeps one memory the size of the largest need, instead of one per use waiting for
 * a garbage collector that does not weigh it (measured: +25-60 MB peak on a 100 Mpx image).
 * Concurrent uses (a library quantizing several files at once) take one arena each. The memory
 * is shared, so that a partner thread can instantiate the kernels on it.
 */
interface Arena {
  exports: KernelExports;
  memory: KernelMemory;
  /** Bumped at each takeover and hand-back: a kernel object whose generation has passed must not
   * touch the memory. */
  generation: number;
}
let idle: Arena[] = [];

function takeArena(): { arena: Arena; heap: KernelHeap; generation: number } {
  let arena = idle.pop();
  if (!arena) {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
    arena = { exports: instance.exports as unknown as KernelExports, memory, generation: 0 };
  }
  arena.generation++;
  return { arena, heap: new KernelHeap(arena.exports, arena.memory), generation: arena.generation };
}

/**
 * Lets the idle arenas' memory go (to the garbage collector): for big images between the passes,
 * where the fit's tens of MB would otherwise stay for pass 2.
 */
export function releaseKernelMemory(): void {
  idle = [];
}

/** Base of the kernel objects: the arena they took, and a check that it is still theirs. */
class KernelUser {
  protected readonly exports: KernelExports;
  protected readonly memory: KernelMemory;
  protected readonly heap: KernelHeap;
  private readonly arena: Arena;
  private readonly generation: number;

  constructor() {
    const taken = takeArena();
    this.arena = taken.arena;
    this.exports = taken.arena.exports;
    this.memory = taken.arena.memory;
    this.heap = taken.heap;
    this.generation = taken.generation;
  }

  /** Hands the memory back for reuse; this object must not be used afterwards. */
  release(): void {
    if (this.arena.generation !== this.generation) return;
    this.arena.generation++;
    idle.push(this.arena);
  }

  /** Throws when this object has handed its memory back. */
  protected current(): void {
    if (this.arena.generation !== this.generation)
      throw new Error('a WebAssembly kernel was used after it handed back its memory');
  }
}

/** Bump allocation in a kernel instance's memory, 8-byte aligned. */
class KernelHeap {
  private top: number;

  constructor(
    exports: KernelExports,
    private readonly memory: KernelMemory,
  ) {
    this.top = (exports.__heap_base.value + 7) & ~7;
  }

  alloc(bytes: number): number {
    const start = this.top;
    this.top = (this.top + bytes + 7) & ~7;
    return start;
  }

  /** Grows the memory to hold everything allocated so far; returns its (new) buffer. */
  commit(): ArrayBuffer {
    const { memory } = this;
    const short = this.top - memory.buffer.byteLength;
    if (short > 0) memory.grow(Math.ceil(short / PAGE));
    return memory.buffer;
  }
}

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
    const buffer = heap.commit();
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
    // At least twice the pixels, so the table is never more than half full.
    const bits = Math.max(10, Math.ceil(Math.log2(Math.max(1, pixels) * 2)));
    const state = heap.alloc(16);
    const keys = heap.alloc(4 << bits);
    const counts = heap.alloc(4 << bits);
    const buffer = heap.commit();
    // The memory may hold an earlier kernel's data: the table starts empty.
    new Uint32Array(buffer, keys, 1 << bits).fill(0);
    new Uint32Array(buffer, counts, 1 << bits).fill(0);
    new Int32Array(buffer, state, 4).set([keys, counts, bits, 0]);
    this.state = state;
  }

  /** Distinct colours counted so far. */
  get size(): number {
    if (this.counted) return this.counted.count;
    this.current();
    return new Int32Array(this.memory.buffer, this.state, 4)[3] as number;
  }

  /** Counts the band's pixels by their first three channels. */
  add(band: { data: Uint8Array; width: number; height: number; channels: number }): void {
    if (this.counted) throw new Error('colours added after their entries were taken');
    this.current();
    const pixels = band.width * band.height;
    const stride = band.channels;
    this.chunk ??= this.heap.alloc(CHUNK_PIXELS * 4);
    const input = new Uint8Array(this.heap.commit(), this.chunk, CHUNK_PIXELS * 4);
    for (let from = 0; from < pixels; from += CHUNK_PIXELS) {
      const count = Math.min(CHUNK_PIXELS, pixels - from);
      input.set(band.data.subarray(from * stride, (from + count) * stride));
      this.exports.countBand(this.state, this.chunk, count, stride);
    }
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

/** The sums (k x 3) and masses (k) one half of a step writes. */
export interface HalfSums {
  sums: Float64Array;
  mass: Float64Array;
}

/**
 * One k-means run's arrays in the kernels' memory: the points and weights (copied in), each
 * point's label and Hamerly bounds, the centres, and two Step blocks, one per half of the points,
 * each summing into its own arrays.
 */
export class LloydKernel extends KernelUser {
  readonly labels: Int32Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly halves: [HalfSums, HalfSums];
  private readonly centers: Float64Array;
  private readonly moved: Float64Array;
  private readonly steps: [number, number];
  private readonly at: Record<
    'points' | 'weights' | 'labels' | 'centers' | 'wuScratch' | 'partnerStackTop',
    number
  >;

  constructor(
    points: Float64Array,
    weights: Float64Array,
    private readonly n: number,
    private readonly k: number,
  ) {
    super();
    const { exports, heap } = this;
    const alloc = (bytes: number) => heap.alloc(bytes);
    const at = {
      points: alloc(n * 24),
      weights: alloc(n * 8),
      labels: alloc(n * 4),
      upper: alloc(n * 8),
      lower: alloc(n * 8),
      centers: alloc(k * 24),
      half: alloc(k * 8),
      near: alloc(k * NEIGHBOURS * 4),
      nearDist: alloc(k * NEIGHBOURS * 8),
      beyond: alloc(k * 8),
      moved: alloc(k * 8),
      steps: [alloc(STEP_BYTES), alloc(STEP_BYTES)],
      sums: [alloc(k * 24), alloc(k * 24)],
      mass: [alloc(k * 8), alloc(k * 8)],
      wuScratch: alloc(exports.wuScratchBytes(n, k)),
      partnerStackTop: alloc(PARTNER_STACK_BYTES) + PARTNER_STACK_BYTES,
    };
    const buffer = heap.commit();
    const f64 = (start: number, length: number) => new Float64Array(buffer, start, length);
    f64(at.points, n * 3).set(points.subarray(0, n * 3));
    f64(at.weights, n).set(weights.subarray(0, n));
    this.labels = new Int32Array(buffer, at.labels, n);
    this.upper = f64(at.upper, n);
    this.lower = f64(at.lower, n);
    this.centers = f64(at.centers, k * 3);
    this.moved = f64(at.moved, k);
    this.halves = [0, 1].map((h) => ({
      sums: f64(at.sums[h] as number, k * 3),
      mass: f64(at.mass[h] as number, k),
    })) as [HalfSums, HalfSums];
    this.steps = at.steps as [number, number];
    for (let h = 0; h < 2; h++) {
      const fields = new Int32Array(buffer, at.steps[h], 16);
      fields.set([
        at.points,
        at.weights,
        at.labels,
        at.upper,
        at.lower,
        at.centers,
        k,
        at.half,
        at.near,
        at.nearDist,
        at.beyond,
        at.moved,
        -1,
        0,
        at.sums[h] as number,
        at.mass[h] as number,
      ]);
    }
    this.at = at;
  }

  /**
   * Wu's boxes as the start: writes the centres (k x 3) into `centers` and each point's box into
   * `labels`. False when fewer than k boxes could be made.
   */
  wuBoxes(centers: Float64Array): boolean {
    this.current();
    const { at, n, k } = this;
    const made = this.exports.wu(at.points, at.weights, n, k, at.centers, at.labels, at.wuScratch);
    centers.set(this.centers);
    return made === k;
  }

  /** What a partner thread needs to run `step(1, from, to)` on its own instance. */
  partnerJob(from: number, to: number): Omit<PartnerJob, 'ctrl'> {
    this.current();
    return {
      module: kernelModule(),
      memory: this.memory,
      step: this.steps[1],
      from,
      to,
      stackTop: this.at.partnerStackTop,
    };
  }

  /**
   * Loosens the bounds by `drift`, assigns points from..to-1 to `centers` and sums them into
   * `halves[half]`; returns how many labels changed. `prepare` must have run for these centres.
   */
  step(half: 0 | 1, from: number, to: number): number {
    return this.exports.step(this.steps[half], from, to);
  }

  /** Takes the step's centres and how far they moved from the last step's (none: first step). */
  prepare(centers: Float64Array, drift: Drift | undefined): void {
    this.current();
    this.centers.set(centers);
    const { buffer } = this.memory;
    for (const step of this.steps) {
      const fields = new Int32Array(buffer, step, 16);
      fields[12] = drift ? drift.mostJ : -1;
      fields[13] = drift ? 1 : 0;
      const moves = new Float64Array(buffer, step + 64, 2);
      moves[0] = drift ? drift.most : 0;
      moves[1] = drift ? drift.secondMost : 0;
    }
    if (drift) this.moved.set(drift.moved);
    this.exports.neighbours(this.steps[0]);
  }
}
