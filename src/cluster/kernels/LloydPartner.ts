import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { CTRL, CTRL_SLOTS, type PartnerJob } from './lloydPartnerProtocol.js';

/** From this many centres, k-means on a photo's colours is worth a partner thread. */
export const WARM_UP_PARTNER_K = 32;
/** How long a run waits for the partner to take its arrays before going on alone. */
const READY_TIMEOUT_MS = 3_000;
/** Below this many point-centre pairs a step is too quick to be worth a second thread. */
const MIN_PAIRS = 2 * 1024 * 1024;

function workerScript(): URL {
  const beside = new URL('./lloydPartnerWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../../dist/cluster/kernels/lloydPartnerWorker.js', import.meta.url);
}

let shared: Worker | undefined;
/** Set when the partner thread failed: k-means then runs alone for the rest of the process. */
let broken = false;

function partnerThreadWanted(): boolean {
  return !broken && isMainThread && availableParallelism() >= 2;
}

/**
 * Starts the partner thread ahead of need (it takes ~50 ms to boot), so that it is ready when
 * k-means begins: call it when a fit with many centres is about to read the image.
 */
export function warmUpLloydPartner(): void {
  if (!partnerThreadWanted() || shared) return;
  shared = new Worker(workerScript());
  shared.unref();
  // A partner that cannot start or dies must not take the process with it (an unheard 'error'
  // event would). Its 'error' arrives only once the event loop runs, so a run that is already
  // waiting gives up after READY_TIMEOUT_MS instead.
  shared.on('error', () => {
    broken = true;
    shared = undefined;
  });
}

/**
 * Stops the partner thread, when a process is done fitting for a while: until its next run it
 * keeps the last run's memory alive (tens of MB for a big image's colours). A later fit boots
 * another.
 */
export function stopLloydPartner(): void {
  void shared?.terminate();
  shared = undefined;
}

/**
 * The thread that does half of each Lloyd step (in the WebAssembly kernels, on their shared memory), when one is worth having: on the main thread of
 * a machine with two or more cores (a batch already runs one file per core in worker threads),
 * for problems big enough. Started once per process and never keeping it alive.
 */
export function lloydPartnerFor(n: number, k: number): LloydPartner | undefined {
  if (!partnerThreadWanted() || n * k < MIN_PAIRS) return undefined;
  warmUpLloydPartner();
  return shared && new LloydPartner(shared);
}

/** One k-means run shared with the partner, a step at a time. */
export interface PartnerRun {
  /** Starts the partner on its half of the step the memory now describes. */
  start(): void;
  /** Waits for the partner's half; returns the labels it changed. */
  finish(): number;
  end(): void;
}

export class LloydPartner {
  constructor(private readonly worker: Worker) {}

  /** Hands the partner the kernels' shared memory and its Step block and points. */
  begin(job: Omit<PartnerJob, 'ctrl'>): PartnerRun | undefined {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    this.worker.postMessage({ ...job, ctrl: ctrl.buffer as SharedArrayBuffer });
    // The partner is idle or finishing a previous run, and answers as soon as it reads this one.
    // One that never answers (it could not start) is not waited for: the run goes on alone, and
    // the job is marked over so that the partner drops it if it ever reads it.
    if (Atomics.wait(ctrl, CTRL.ready, 0, READY_TIMEOUT_MS) === 'timed-out') {
      Atomics.store(ctrl, CTRL.end, 1);
      Atomics.store(ctrl, CTRL.request, 1);
      // Booting takes ~50 ms: one that has not answered in seconds is not coming. Waited for
      // once, not on every run.
      broken = true;
      return undefined;
    }
    let request = 0;
    return {
      start() {
        Atomics.store(ctrl, CTRL.request, ++request);
        Atomics.notify(ctrl, CTRL.request);
      },
      finish() {
        for (;;) {
          const done = Atomics.load(ctrl, CTRL.done);
          if (done === request) break;
          Atomics.wait(ctrl, CTRL.done, done);
        }
        const changed = Atomics.load(ctrl, CTRL.changed);
        if (changed < 0) throw new Error('the k-means partner thread failed a step');
        return changed;
      },
      end() {
        Atomics.store(ctrl, CTRL.end, 1);
        Atomics.store(ctrl, CTRL.request, ++request);
        Atomics.notify(ctrl, CTRL.request);
      },
    };
  }
}
