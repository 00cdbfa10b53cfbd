/**
 * A worker thread that quantizes one file at a time for the batch runner, so that N files really
 * run on N cores: the per-pixel work is JavaScript and would otherwise share one thread.
 */
import { parentPort } from 'node:worker_threads';
import { GigaquantError } from '../errors.js';
import { faultInjected } from '../runtime/faults.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import { quantizeFile } from '../pipeline/quantizeFile.js';
import type { WorkerReply, WorkerRequest } from './workerMessages.js';

if (!parentPort) throw new Error('quantizeWorker must run as a worker thread');
const port = parentPort;
let running: { id: number; controller: AbortController } | undefined;

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'abort') {
    if (running?.id === message.id) running.controller.abort();
    return;
  }
  void run(message.id, message.input, message.output, message.options);
});

async function run(
  id: number,
  input: string,
  output: string,
  options: QuantizeOptions,
): Promise<void> {
  const controller = new AbortController();
  running = { id, controller };
  const reply = (r: WorkerReply): void => port.postMessage(r);
  try {
    const result = await quantizeFile(input, output, {
      ...options,
      signal: controller.signal,
      onProgress: (event) => reply({ type: 'progress', id, event }),
    });
    reply({ type: 'done', id, result });
    // A moment later, when the next file is on its way to this thread or already on it.
    if (faultInjected('worker-exit-after-file')) setTimeout(() => process.exit(1), 20);
  } catch (err) {
    const e = err instanceof GigaquantError ? err : undefined;
    reply({
      type: 'failed',
      id,
      error: {
        code: e?.code ?? 'E_INTERNAL',
        message: err instanceof Error ? err.message : String(err),
        file: e?.file,
        stack: e ? undefined : (err as Error).stack,
      },
    });
  } finally {
    running = undefined;
  }
}
