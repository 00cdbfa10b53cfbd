/**
 * The partner thread of lloyd(): for each step the main thread asks for, it assigns the second
 * half of the points and sums them, while the main thread does the first half.
 */
import { parentPort } from 'node:worker_threads';
import { accumulate, assignBounded, loosenBounds } from './lloydStep.js';
import { CTRL, type PartnerJob } from './lloydPartnerProtocol.js';

if (!parentPort) throw new Error('lloydPartnerWorker must run as a worker thread');

parentPort.on('message', (job: PartnerJob) => {
  const ctrl = new Int32Array(job.ctrl);
  const points = new Float64Array(job.points);
  const weights = new Float64Array(job.weights);
  const proj = new Float64Array(job.proj);
  const axis = new Float64Array(job.axis);
  const bounds = {
    labels: new Int32Array(job.labels),
    upper: new Float64Array(job.upper),
    lower: new Float64Array(job.lower),
  };
  const centers = new Float64Array(job.centers);
  const sums = new Float64Array(job.sums);
  const mass = new Float64Array(job.mass);
  const moved = new Float64Array(job.moved);
  const mostPair = new Float64Array(job.mostPair);
  const { d, from, to } = job;
  Atomics.store(ctrl, CTRL.ready, 1);
  Atomics.notify(ctrl, CTRL.ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.request, seen);
    seen = Atomics.load(ctrl, CTRL.request);
    if (Atomics.load(ctrl, CTRL.end) === 1) break;
    let changed: number;
    try {
      if (Atomics.load(ctrl, CTRL.hasDrift) === 1) {
        const drift = {
          moved,
          most: mostPair[0] as number,
          secondMost: mostPair[1] as number,
          mostJ: Atomics.load(ctrl, CTRL.mostJ),
        };
        loosenBounds(bounds, drift, from, to);
      }
      changed = assignBounded(points, proj, axis, d, centers, bounds, from, to);
      sums.fill(0);
      mass.fill(0);
      accumulate(points, weights, d, bounds.labels, from, to, sums, mass);
    } catch {
      changed = -1;
    }
    Atomics.store(ctrl, CTRL.changed, changed);
    Atomics.store(ctrl, CTRL.done, seen);
    Atomics.notify(ctrl, CTRL.done);
  }
});
