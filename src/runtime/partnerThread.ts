import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { threadExecArgv } from './threadExecArgv.js';

/**
 * The process's one helper thread for k-means (cluster/kernels/LloydPartner speaks to it). It is
 * started on demand, shared by every fit, never keeps the process alive, and once it has failed
 * it is not tried again: k-means then runs alone, giving the same bytes.
 */
class PartnerThread {
  private worker: Worker | undefined;
  private broken = false;

  /** Whether a partner may run here: on the main thread, with a second core, not failed before. */
  get wanted(): boolean {
    return !this.broken && isMainThread && availableParallelism() >= 2;
  }

  /** Whether a partner thread is running now (it holds the last fit's memory while it does). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The running thread, started from `script` if there is none yet; undefined if not wanted. */
  start(script: URL | undefined): Worker | undefined {
    if (!this.wanted || !script) return undefined;
    if (this.worker) return this.worker;
    const worker = new Worker(script, { execArgv: threadExecArgv() });
    worker.unref();
    // A partner that cannot start or dies must not take the process with it (an unheard 'error'
    // event would); whoever waits on it gives up after a timeout instead.
    worker.on('error', () => this.markBroken());
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  /** The partner did not answer or failed a step: it is stopped and never used again. */
  markBroken(): void {
    this.broken = true;
    this.stop();
  }

  /** Stops the thread, letting its memory go; a later fit starts another. */
  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

export const partnerThread = new PartnerThread();
