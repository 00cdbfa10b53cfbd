import { releaseKernelMemory } from './kernelMemory.js';
import { partnerThread } from './partnerThread.js';
import { tempRegistry } from './tempRegistry.js';

/**
 * Ends every piece of process-wide state: the partner thread, the idle kernel memory, and any
 * temporary path still registered (none after a clean run). Commands call it once, at the end;
 * a library user may call it when done with gigaquant for a while.
 */
export function shutdownRuntime(): void {
  partnerThread.stop();
  releaseKernelMemory();
  tempRegistry.removeAllSync();
}
