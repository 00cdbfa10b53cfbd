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

/** A fresh instance of the kernels, on a fresh shared memory (a partner thread can join it). */
function instantiate(): { exports: KernelExports; memory: KernelMemory } {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  return { exports: instance.exports as unknown as KernelExports, memory };
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
export class NearestKernel {
  private readonly exports: KernelExports;
  private readonly memory: KernelMemory;
  private readonly heap: KernelHeap;
  private readonly state: number;
  private band = { data: 0, out: 0, pixels: 0 };

  /** `colors`: the palette, k x 3 bytes. */
  constructor(colors: Uint8Array, k: number) {
    ({ exports: this.exports, memory: this.memory } = instantiate());
    const heap = new KernelHeap(this.exports, this.memory);
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
    this.heap = heap;
    this.state = at.state;
  }

  /** Nearest index of each of `pixels` RGB pixels of `data` into `out`; returns the SSE. */
  assign(data: Uint8Array, pixels: number, out: Uint8Array | Uint16Array): number {
    if (pixels > this.band.pixels) {
      // A larger band than any before: room for it at the top (bands are alike in size).
      this.band = {
        data: this.heap.alloc(pixels * 3),
        out: this.heap.alloc(pixels * 2),
        pixels,
      };
      this.heap.commit();
    }
    const { buffer } = this.memory;
    new Uint8Array(buffer, this.band.data, pixels * 3).set(data.subarray(0, pixels * 3));
    const sse = this.exports.nearestBand(
      this.state,
      this.band.data,
      pixels,
      this.band.out,
      out.BYTES_PER_ELEMENT,
    );
    const result =
      out.BYTES_PER_ELEMENT === 1
        ? new Uint8Array(buffer, this.band.out, pixels)
        : new Uint16Array(buffer, this.band.out, pixels);
    out.set(result);
    return sse;
  }
}

/**
 * The colours of a small image counted in a hash (sized for its pixels) in the kernels' memory:
 * RGB bands are copied in and counted, the entries come out sorted by colour.
 */
export class ColorCountKernel {
  private readonly exports: KernelExports;
  private readonly memory: KernelMemory;
  private readonly heap: KernelHeap;
  private readonly state: number;
  private band = { data: 0, bytes: 0 };

  constructor(pixels: number) {
    ({ exports: this.exports, memory: this.memory } = instantiate());
    const heap = new KernelHeap(this.exports, this.memory);
    // At least twice the pixels, so the table is never more than half full.
    const bits = Math.max(10, Math.ceil(Math.log2(Math.max(1, pixels) * 2)));
    const state = heap.alloc(16);
    const keys = heap.alloc(4 << bits);
    const counts = heap.alloc(4 << bits);
    new Int32Array(heap.commit(), state, 4).set([keys, counts, bits, 0]);
    this.heap = heap;
    this.state = state;
  }

  /** Distinct colours counted so far. */
  get size(): number {
    return new Int32Array(this.memory.buffer, this.state, 4)[3] as number;
  }

  /** Counts the band's pixels by their first three channels. */
  add(band: { data: Uint8Array; width: number; height: number; channels: number }): void {
    const pixels = band.width * band.height;
    const bytes = pixels * band.channels;
    if (bytes > this.band.bytes) {
      this.band = { data: this.heap.alloc(bytes), bytes };
      this.heap.commit();
    }
    new Uint8Array(this.memory.buffer, this.band.data, bytes).set(band.data.subarray(0, bytes));
    this.exports.countBand(this.state, this.band.data, pixels, band.channels);
  }

  /** The distinct colours (3 bytes each) in colour order, with their pixel counts. */
  entries(): { colors: Uint8Array; weights: Float64Array; count: number } {
    const count = this.size;
    const heap = this.heap;
    const colors = heap.alloc(count * 3);
    const weights = heap.alloc(count * 8);
    const scratch = heap.alloc((4 * count + 4096) * 4);
    const buffer = heap.commit();
    this.exports.countEntries(this.state, colors, weights, scratch);
    return {
      colors: new Uint8Array(buffer, colors, count * 3).slice(),
      weights: new Float64Array(buffer, weights, count).slice(),
      count,
    };
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
export class LloydKernel {
  readonly labels: Int32Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly halves: [HalfSums, HalfSums];
  private readonly exports: KernelExports;
  private readonly memory: KernelMemory;
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
    const { exports, memory } = instantiate();
    this.exports = exports;
    this.memory = memory;
    const heap = new KernelHeap(exports, memory);
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
    const { at, n, k } = this;
    const made = this.exports.wu(at.points, at.weights, n, k, at.centers, at.labels, at.wuScratch);
    centers.set(this.centers);
    return made === k;
  }

  /** What a partner thread needs to run `step(1, from, to)` on its own instance. */
  partnerJob(from: number, to: number): Omit<PartnerJob, 'ctrl'> {
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
