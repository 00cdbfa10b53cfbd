/**
 * A tile decode thread (see tileDecodeThreads): decodes each tile row it is sent and hands the
 * pixels back, moved rather than copied.
 */
import { parentPort } from 'node:worker_threads';
import { faultInjected } from '../../runtime/faults.js';
import { decodeTileRow, type TileRowJob } from './decodeTileRow.js';

if (!parentPort) throw new Error('tileDecodeWorker must run as a worker thread');
const port = parentPort;
/**
 * Inflated bytes between collections (see collectYoung), about a millisecond each: the garbage,
 * whatever the job gives back (a pixel's index is a third of its bytes). Every 16 MB,
 * the inflated tiles piled up to 30 MiB more in the thread's arena once placing them no longer
 * made garbage of its own (TilePlacer), which had brought collections on; every 1 MB, decoding
 * was 10% slower.
 */
const COLLECT_BYTES = 4 * 1024 * 1024;
let sinceCollection = 0;

port.on('message', ({ id, job, into }: { id: number; job: TileRowJob; into?: Uint8Array }) => {
  // Dies as it takes a job, as a thread out of memory would.
  if (faultInjected('tile-thread-dies')) process.exit(1);
  let pixels: Uint8Array;
  try {
    pixels = decodeTileRow(job, into);
    sinceCollection += job.offsets.length * job.tileWidth * job.tileHeight * 3;
    if (sinceCollection >= COLLECT_BYTES) {
      sinceCollection = 0;
      collectYoung();
    }
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.postMessage({ id, pixels }, [pixels.buffer as ArrayBuffer]);
});

/**
 * Decoding leaves the inflated tiles as garbage (a row of tiles: 23 MB at 60000 px wide), in
 * malloc's arenas until V8 collects them: they were a third of the arenas' size, and the arenas
 * keep what they once held. Only where the process allows it (the CLI starts its worker process
 * with --expose-gc).
 */
function collectYoung(): void {
  (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
}
