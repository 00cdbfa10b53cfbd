/**
 * A tile decode thread (see tileDecodeThreads): decodes each tile row it is sent and hands the
 * pixels back, moved rather than copied.
 */
import { parentPort } from 'node:worker_threads';
import { faultInjected } from '../../runtime/faults.js';
import { decodeTileRow, type TileRowJob } from './decodeTileRow.js';

if (!parentPort) throw new Error('tileDecodeWorker must run as a worker thread');
const port = parentPort;

port.on('message', ({ id, job, into }: { id: number; job: TileRowJob; into?: Uint8Array }) => {
  // Dies as it takes a job, as a thread out of memory would.
  if (faultInjected('tile-thread-dies')) process.exit(1);
  let pixels: Uint8Array;
  try {
    pixels = decodeTileRow(job, into);
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  port.postMessage({ id, pixels }, [pixels.buffer as ArrayBuffer]);
});
