/**
 * The partner thread of a k-means run: for each step the main thread asks for, it runs the
 * kernels' step on parts of the points, taking them as the main thread does until none is left,
 * in the memory it shares with the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { faultInjected } from '../../runtime/faults.js';
import { CTRL, type PartnerJob } from './lloydPartnerProtocol.js';

if (!parentPort) throw new Error('kernelPartnerWorker must run as a worker thread');

interface PartnerExports {
  step(step: number, from: number, to: number): number;
  __stack_pointer: { value: number };
}

const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { Instance: new (module: object, imports: object) => { exports: object } };
};

parentPort.on('message', (job: PartnerJob) => {
  const ctrl = new Int32Array(job.ctrl);
  let kernels: PartnerExports;
  try {
    kernels = new WebAssembly.Instance(job.module, { env: { memory: job.memory } })
      .exports as PartnerExports;
    // Its own stack: the main thread's instance uses the default one in the same memory.
    kernels.__stack_pointer.value = job.stackTop;
  } catch {
    return; // The run times out waiting for `ready` and goes on alone.
  }
  Atomics.store(ctrl, CTRL.ready, 1);
  Atomics.notify(ctrl, CTRL.ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.request, seen);
    seen = Atomics.load(ctrl, CTRL.request);
    if (Atomics.load(ctrl, CTRL.end) === 1) break;
    // Dies without a word, as a thread killed mid-step would.
    if (faultInjected('partner-silent')) process.exit(1);
    let changed = 0;
    try {
      for (let part = Atomics.add(ctrl, CTRL.next, 1); part < job.steps.length;) {
        changed += kernels.step(
          job.steps[part] as number,
          job.from[part] as number,
          job.to[part] as number,
        );
        part = Atomics.add(ctrl, CTRL.next, 1);
      }
    } catch {
      changed = -1;
    }
    Atomics.store(ctrl, CTRL.changed, changed);
    Atomics.store(ctrl, CTRL.done, seen);
    Atomics.notify(ctrl, CTRL.done);
  }
});
