import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { releaseKernelMemory } from './kernelMemory.js';

let gc: (() => void) | undefined;

/**
 * Frees the fit's memory between the passes of a big image: the fit leaves tens of MB of tables
 * (the 64 MiB colour table, the k-means kernels' WebAssembly memory, which the collector does not
 * weigh; fitPalette has already stopped the partner thread that shared it) that V8 would free only when pass 2's own
 * allocations push it to, adding them to the peak (measured on 100 Mpx: 225-260 MB without,
 * 185-205 MB with). A full collection costs a few milliseconds.
 */
export function releaseFitMemory(): void {
  releaseKernelMemory();
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
