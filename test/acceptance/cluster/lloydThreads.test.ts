import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { Rng } from '../../../src/cluster/Rng.js';
import type { lloydKMeans as LloydKMeans } from '../../../src/cluster/lloydKMeans.js';

/** The build: a worker thread (the partner) runs JavaScript only, so threads are tested there. */
const DIST_LLOYD = fileURLToPath(new URL('../../../dist/cluster/lloydKMeans.js', import.meta.url));

/** 60000 distinct colours with pixel counts: enough point-centre pairs for the second thread. */
function colours(): { points: Float64Array; weights: Float64Array; n: number } {
  const rng = new Rng(5);
  const n = 60_000;
  const points = new Float64Array(n * 3);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = rng.next();
    points[i * 3] = Math.round(255 * t);
    points[i * 3 + 1] = Math.round(128 + 100 * Math.sin(9 * t) + 20 * rng.next());
    points[i * 3 + 2] = Math.round(255 * rng.next() * (1 - t));
    weights[i] = 1 + Math.floor(rng.next() * 50);
  }
  return { points, weights, n };
}

const OPTIONS = { k: 64, nInit: 2, maxIter: 100, tol: 1e-4, seed: 3 };

describe('k-means on two threads', () => {
  test('gives exactly the centres of one thread (in a worker thread, where it runs alone)', async () => {
    const { points, weights, n } = colours();
    const { lloydKMeans } = (await import(DIST_LLOYD)) as { lloydKMeans: typeof LloydKMeans };
    const two = lloydKMeans(points, weights, n, 3, OPTIONS);
    expect(two.threads).toBe(2);
    // The same call from inside a worker thread, where no partner thread is started.
    const one = await new Promise<{ centers: Float64Array; threads: number; inertia: number }>(
      (resolve, reject) => {
        const worker = new Worker(
          `const { parentPort, workerData } = require('node:worker_threads');
           import(workerData.module).then(({ lloydKMeans }) => {
             const r = lloydKMeans(workerData.points, workerData.weights, workerData.n, 3, workerData.options);
             parentPort.postMessage({ centers: r.centers, threads: r.threads, inertia: r.inertia });
           });`,
          { eval: true, workerData: { module: DIST_LLOYD, points, weights, n, options: OPTIONS } },
        );
        worker.once('message', (m) => {
          void worker.terminate();
          resolve(m as { centers: Float64Array; threads: number; inertia: number });
        });
        worker.once('error', reject);
      },
    );
    expect(one.threads).toBe(1);
    expect(Array.from(one.centers)).toEqual(Array.from(two.centers));
    expect(one.inertia).toBe(two.inertia);
  }, 60_000);
});
