import { MAX_PAGES, nativeModule, PAGE, WebAssembly, type WasmMemory } from './nativeModules.js';

/**
 * The k-means kernels for colours (3-channel points), in WebAssembly built from native/*.c
 * (native/build.sh). A one-off fit is over in a few hundred milliseconds, most of which plain
 * JavaScript spends in its slower tiers before the optimiser catches up; compiled code runs at
 * full speed from the first call.
 */
export interface KernelExports {
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
  countBand(counts: number, data: number, pixels: number, stride: number): number;
  countGrow(counts: number, keys: number, slotCounts: number, bits: number): void;
  countEntries(counts: number, colors: number, weights: number, scratch: number): void;
  countTable(table: number, pages: number, data: number, pixels: number, stride: number): void;
  nearestInit(nearest: number): void;
  nearestLearn(nearest: number, keys: number, counts: number, n: number): number;
  nearestBand(
    nearest: number,
    data: number,
    count: number,
    out: number,
    indexBytes: number,
  ): number;
}

export type KernelMemory = WasmMemory;

/** The compiled kernels (native/kernels.wasm), shared by every instance in the thread. */
export function kernelModule(): object {
  return nativeModule('kernels');
}

/**
 * An instance of the kernels and its memory, used by one kernel object at a time and handed back
 * when it is done, to be reused from the bottom of its heap. A process quantizing one image after
 * another thus keeps one memory the size of the largest need, instead of one per use waiting for
 * a garbage collector that does not weigh it.
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
export class KernelUser {
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

  /**
   * Gives the memory up for good: another thread may still write to it, so it must never be
   * handed to another user.
   */
  abandon(): void {
    this.arena.generation++;
  }

  /** Throws when this object has handed its memory back. */
  protected current(): void {
    if (this.arena.generation !== this.generation)
      throw new Error('a WebAssembly kernel was used after it handed back its memory');
  }
}

/** Bump allocation in a kernel instance's memory, 8-byte aligned. */
export class KernelHeap {
  private top: number;

  constructor(
    exports: KernelExports,
    private readonly memory: KernelMemory,
  ) {
    this.top = alignUp(exports.__heap_base.value);
  }

  alloc(bytes: number): number {
    const start = this.top;
    this.top = alignUp(this.top + bytes);
    if (this.top > MAX_PAGES * PAGE)
      throw new RangeError(`the kernels need ${this.top} bytes, more than WebAssembly's 4 GiB`);
    return start;
  }

  /**
   * Like `commit`, with [offset, offset + bytes) zeroed where an earlier user of the memory may
   * have written. What the growth adds is zero already, and left untouched: a page first touched
   * costs (on the virtual machines this runs on, ~15 us a page), so a table that counting would
   * touch only in part must not be written whole.
   */
  commitZeroed(offset: number, bytes: number): ArrayBuffer {
    const used = this.memory.buffer.byteLength;
    const buffer = this.commit();
    const end = Math.min(offset + bytes, used);
    if (end > offset) new Uint8Array(buffer, offset, end - offset).fill(0);
    return buffer;
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
 * `n` rounded up to a multiple of 8. Arithmetic, not `& ~7`: bitwise operators work on signed
 * 32-bit integers, and offsets past 2 GiB would come out negative.
 */
export function alignUp(n: number): number {
  return Math.ceil(n / 8) * 8;
}
