import { Worker } from 'node:worker_threads';
import { GigaquantError } from '../errors.js';
import { builtScript } from '../runtime/builtScript.js';
import { threadExecArgv } from '../runtime/threadExecArgv.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { ProgressEvent } from '../types.js';
import type { WorkerReply, WorkerRequest } from './workerMessages.js';

const SCRIPT = builtScript(new URL('./quantizeWorker.js', import.meta.url));

interface Job {
  id: number;
  resolve(result: QuantizeResult): void;
  reject(err: GigaquantError): void;
  onProgress?: (event: ProgressEvent) => void;
}

/** The worker thread a file was on died: not the file's fault, as far as anyone knows yet. */
class WorkerLost extends GigaquantError {
  constructor(message: string) {
    super('E_INTERNAL', message);
  }
}

/** A fixed set of worker threads, each quantizing one file at a time. */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly all = new Set<Worker>();
  private readonly jobs = new Map<Worker, Job>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  /**
   * Quantizes one file on a worker. A worker that dies under a file (or just before it: a thread
   * can exit after its last reply, while the next file is already on its way to it) is replaced
   * and the file tried once more on the fresh one; a second death fails the file.
   */
  async run(
    input: string,
    output: string,
    options: QuantizeOptions,
    hooks: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {},
  ): Promise<QuantizeResult> {
    try {
      return await this.runOnce(input, output, options, hooks);
    } catch (err) {
      if (!(err instanceof WorkerLost) || hooks.signal?.aborted) throw err;
      return this.runOnce(input, output, options, hooks);
    }
  }

  private async runOnce(
    input: string,
    output: string,
    options: QuantizeOptions,
    hooks: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal },
  ): Promise<QuantizeResult> {
    const worker = await this.acquire();
    const id = this.nextId++;
    const onAbort = (): void => worker.postMessage({ type: 'abort', id } satisfies WorkerRequest);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<QuantizeResult>((resolve, reject) => {
        this.jobs.set(worker, { id, resolve, reject, onProgress: hooks.onProgress });
        worker.postMessage({ type: 'run', id, input, output, options } satisfies WorkerRequest);
        if (hooks.signal?.aborted) onAbort();
      });
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
      this.jobs.delete(worker);
      this.release(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private async acquire(): Promise<Worker> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.all.size < this.size) return this.spawn();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    if (!this.all.has(worker)) return;
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  private spawn(): Worker {
    if (!SCRIPT)
      throw new GigaquantError(
        'E_INTERNAL',
        'batch runs from the build (npm run build), not from sources',
      );
    const worker = new Worker(SCRIPT, { execArgv: threadExecArgv() });
    this.all.add(worker);
    worker.on('message', (reply: WorkerReply) => {
      const job = this.jobs.get(worker);
      if (!job || job.id !== reply.id) return;
      if (reply.type === 'progress') job.onProgress?.(reply.event);
      else if (reply.type === 'done') job.resolve(reply.result);
      else {
        const { code, message, file, stack } = reply.error;
        const err = new GigaquantError(code, message, { file });
        if (stack) err.stack = stack;
        job.reject(err);
      }
    });
    const lost = (reason: string): void => {
      this.all.delete(worker);
      // A dead worker must never be handed out again.
      const idle = this.idle.indexOf(worker);
      if (idle >= 0) this.idle.splice(idle, 1);
      this.jobs.get(worker)?.reject(new WorkerLost(`worker thread ${reason}`));
      // Whoever waits for a worker gets a fresh one instead.
      const next = this.waiting.shift();
      if (next) next(this.spawn());
    };
    worker.on('error', (err) => lost(`failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.all.has(worker)) lost(`exited with code ${code}`);
    });
    return worker;
  }
}
