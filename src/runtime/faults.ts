/**
 * Faults the tests inject to check that gigaquant survives them: GIGAQUANT_FAULT holds a
 * comma-separated list of their names. Never set in normal use; each is read where the fault
 * would strike, so that the code around it is the code that runs every day.
 *
 * - `worker-exit-after-file`: a batch worker thread exits a moment after reporting a file done,
 *   while the next file is already on its way to it or on it.
 * - `partner-silent`: the k-means partner thread stops answering in the middle of a run.
 * - `tile-thread-dies`: a tile decode thread exits as it takes a job.
 */
export type FaultName = 'worker-exit-after-file' | 'partner-silent' | 'tile-thread-dies';

export function faultInjected(name: FaultName): boolean {
  return (process.env.GIGAQUANT_FAULT ?? '').split(',').includes(name);
}
