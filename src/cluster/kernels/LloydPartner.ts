import { performance } from 'node:perf_hooks';
import { builtScript } from '../../runtime/builtScript.js';
import { partnerThread } from '../../runtime/partnerThread.js';
import { CTRL, CTRL_SLOTS, type PartnerJob } from './lloydPartnerProtocol.js';

/** From this many centres, k-means on a photo's colours is worth a partner thread. */
export const WARM_UP_PARTNER_K = 32;
/**
 * How long a step waits for the partner's parts beyond this many times the main thread's own
 * (the two take parts as they go, so do about as much): past it the partner is taken for lost.
 */
const STEP_GRACE_MS = 5_000;
const STEP_SLOWDOWN = 20;
/** Below this many point-centre pairs a step is too quick to be worth a second thread. */
const MIN_PAIRS = 2 * 1024 * 1024;

const SCRIPT = builtScript(new URL('./lloydPartnerWorker.js', import.meta.url));

/**
 * Starts the partner thread ahead of need (booting takes tens of milliseconds), so that it is ready when
 * k-means begins: call it when a fit with many centres is about to read the image.
 */
export function warmUpLloydPartner(): void {
  partnerThread.start(SCRIPT);
}

/** The partner stopped answering in the middle of a run: the run must be redone alone. */
export class PartnerLostError extends Error {
  constructor() {
    super('the k-means partner thread stopped answering');
  }
}

/**
 * The thread that shares each Lloyd step (in the WebAssembly kernels, on their shared memory),
 * when one is worth having: on the main thread of a machine with two or more cores (a
 * batch already runs one file per core in worker threads), for problems big enough.
 */
export function lloydPartnerFor(n: number, k: number): LloydPartner | undefined {
  if (n * k < MIN_PAIRS) return undefined;
  const worker = partnerThread.start(SCRIPT);
  return worker && new LloydPartner(worker);
}

/** One k-means run shared with the partner, a step at a time. */
export interface PartnerRun {
  /**
   * Whether the partner has taken the job. It boots in tens of milliseconds, which a small
   * image's whole fit may not last: until then the main thread does every part itself.
   */
  ready(): boolean;
  /** Starts the partner (ready) taking parts of the step the memory now describes. */
  start(): void;
  /** The next part of this step for the main thread to do, or -1 when none is left. */
  take(): number;
  /**
   * Waits for the partner's parts, given how long the main thread's took; returns the labels
   * they changed. Throws PartnerLostError when they do not come in time or failed.
   */
  finish(mainMs: number): number;
  end(): void;
}

export class LloydPartner {
  constructor(private readonly worker: { postMessage(message: unknown): void }) {}

  /**
   * Hands the partner the kernels' shared memory and every part's Step block and points.
   * Nothing waits for it: a partner still booting, or one that never answers (it could not
   * start), leaves the steps to the main thread, and `end` marks the job over so that it is
   * dropped if ever read.
   */
  begin(job: Omit<PartnerJob, 'ctrl'>): PartnerRun {
    const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
    this.worker.postMessage({ ...job, ctrl: ctrl.buffer as SharedArrayBuffer });
    let request = 0;
    const parts = job.steps.length;
    return {
      ready: () => Atomics.load(ctrl, CTRL.ready) === 1,
      start() {
        // The partner has finished the last step (finish saw it): nobody takes parts now.
        Atomics.store(ctrl, CTRL.next, 0);
        Atomics.store(ctrl, CTRL.request, ++request);
        Atomics.notify(ctrl, CTRL.request);
      },
      take() {
        const part = Atomics.add(ctrl, CTRL.next, 1);
        return part < parts ? part : -1;
      },
      finish(mainMs) {
        const deadline = performance.now() + STEP_GRACE_MS + STEP_SLOWDOWN * mainMs;
        for (;;) {
          const done = Atomics.load(ctrl, CTRL.done);
          if (done === request) break;
          const left = deadline - performance.now();
          // A thread that died mid-step never answers, and its death is an event this blocked
          // thread cannot hear: a deadline is the only way out.
          if (left <= 0 || Atomics.wait(ctrl, CTRL.done, done, left) === 'timed-out') {
            if (Atomics.load(ctrl, CTRL.done) === request) break;
            partnerThread.markBroken();
            throw new PartnerLostError();
          }
        }
        const changed = Atomics.load(ctrl, CTRL.changed);
        if (changed < 0) {
          partnerThread.markBroken();
          throw new PartnerLostError();
        }
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
