import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import type { Bounds, Drift } from './lloydStep.js';
import { CTRL, CTRL_SLOTS, type PartnerJob } from './lloydPartnerProtocol.js';

/** How long a run waits for the partner to take its arrays before going on alone. */
const READY_TIMEOUT_MS = 3_000;
/** Below this many point-centre pairs a step is too quick to be worth a second thread. */
const MIN_PAIRS = 2 * 1024 * 1024;

function workerScript(): URL {
  const beside = new URL('./lloydPartnerWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/cluster/lloydPartnerWorker.js', import.meta.url);
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
 * The thread that does half of each Lloyd step, when one is worth having: on the main thread of
 * a machine with two or more cores (a batch already runs one file per core in worker threads),
 * for problems big enough. Started once per process and never keeping it alive.
 */
export function lloydPartnerFor(n: number, k: number): LloydPartner | undefined {
  if (!partnerThreadWanted() || n * k < MIN_PAIRS) return undefined;
  warmUpLloydPartner();
  return shared && new LloydPartner(shared);
}

/** One lloyd() run shared with the partner: arrays in shared memory, a step at a time. */
export interface PartnerRun {
  bounds: Bounds;
  /** The partner's sums and masses for its half. */
  sums: Float64Array;
  mass: Float64Array;
  /** Starts the partner on its half with these centres (after loosening by `drift`). */
  start(centers: Float64Array, drift: Drift | undefined): void;
  /** Waits for the partner's half; returns the labels it changed. */
  finish(): number;
  end(): void;
}

export class LloydPartner {
  constructor(private readonly worker: Worker) {}

  /** Shares the arrays of one run; the partner takes points from..n-1. */
  begin(
    points: Float64Array,
    weights: Float64Array,
    proj: Float64Array,
    axis: Float64Array,
    n: number,
    d: number,
    k: number,
    from: number,
  ): PartnerRun | undefined {
    const copy = (a: Float64Array) => {
      const out = new Float64Array(new SharedArrayBuffer(a.length * 8));
      out.set(a);
      return out;
    };
    const f64 = (length: number) => new Float64Array(new SharedArrayBuffer(length * 8));
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    const labels = new Int32Array(new SharedArrayBuffer(n * 4)).fill(-1);
    const bounds = { labels, upper: f64(n), lower: f64(n) };
    const centers = f64(k * d);
    const sums = f64(k * d);
    const mass = f64(k);
    const moved = f64(k);
    const mostPair = f64(2);
    const job: PartnerJob = {
      ctrl: ctrl.buffer as SharedArrayBuffer,
      points: copy(points.subarray(0, n * d)).buffer as SharedArrayBuffer,
      weights: copy(weights.subarray(0, n)).buffer as SharedArrayBuffer,
      proj: copy(proj.subarray(0, n)).buffer as SharedArrayBuffer,
      axis: copy(axis).buffer as SharedArrayBuffer,
      labels: labels.buffer as SharedArrayBuffer,
      upper: bounds.upper.buffer as SharedArrayBuffer,
      lower: bounds.lower.buffer as SharedArrayBuffer,
      centers: centers.buffer as SharedArrayBuffer,
      sums: sums.buffer as SharedArrayBuffer,
      mass: mass.buffer as SharedArrayBuffer,
      moved: moved.buffer as SharedArrayBuffer,
      mostPair: mostPair.buffer as SharedArrayBuffer,
      d,
      from,
      to: n,
    };
    this.worker.postMessage(job);
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
      bounds,
      sums,
      mass,
      start(c, drift) {
        centers.set(c);
        Atomics.store(ctrl, CTRL.hasDrift, drift ? 1 : 0);
        if (drift) {
          moved.set(drift.moved);
          mostPair[0] = drift.most;
          mostPair[1] = drift.secondMost;
          Atomics.store(ctrl, CTRL.mostJ, drift.mostJ);
        }
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
