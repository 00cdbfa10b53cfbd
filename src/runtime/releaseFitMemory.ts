import { releaseKernelMemory } from './kernelMemory.js';

/**
 * From this many pixels, memory is collected between the steps of a file: after reading for the
 * fit, and between the passes (small images gain nothing).
 */
export const COLLECT_ABOVE_PIXELS = 16 * 1024 * 1024;

/**
 * Frees the fit's memory between the passes of a big image: the fit leaves tens of MB of tables
 * (the colour table, the k-means kernels' WebAssembly memory, which the collector does not weigh)
 * that V8 would free only when pass 2's own allocations push it to, adding them to the peak. The
 * collection is forced where the process was started with --expose-gc (the CLI starts its worker
 * process so); elsewhere the memory goes when V8 decides.
 */
export function releaseFitMemory(): void {
  releaseKernelMemory();
  collectGarbage();
}

/** A full collection, where the process allows it (see above). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
