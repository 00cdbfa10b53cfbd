import { availableParallelism } from 'node:os';
import sharp from './sharp.js';

let cacheOff = false;

/**
 * libvips' operation cache would keep decoded regions of every band alive between the per-band
 * pipelines, which is memory the band budget does not account for. It is process-wide, so it is
 * switched off once, on first use.
 */
export function configureSharpOnce(): void {
  if (cacheOff) return;
  sharp.cache(false);
  cacheOff = true;
}

/** libvips' threads shared out so that N files in flight do not oversubscribe the cores. */
export function shareDecoderThreads(filesInFlight: number): void {
  sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / filesInFlight)));
}
