import { describe, expect, test } from 'vitest';
import { lloydKMeans } from '../../src/cluster/lloydKMeans.js';
import { miniBatchKMeans } from '../../src/cluster/miniBatchKMeans.js';
import { kmeansPlusPlus } from '../../src/cluster/kmeansPlusPlus.js';
import { Rng } from '../../src/cluster/Rng.js';
import { bruteInertia } from '../helpers/oracle.js';

function randomColours(n: number, seed: number): { points: Float64Array; weights: Float64Array } {
  const rng = new Rng(seed);
  return {
    points: Float64Array.from({ length: n * 3 }, () => rng.int(256)),
    weights: Float64Array.from({ length: n }, () => 1 + rng.int(50)),
  };
}

describe('k-means with fixed centres', () => {
  const fixed = Float64Array.of(255, 0, 0, 0, 0, 255);

  test.each([[1], [3]])(
    'Lloyd (nInit %i): the fixed centres come back exactly, first, and the inertia is that of the centres returned',
    (nInit) => {
      const { points, weights } = randomColours(4000, 2);
      const r = lloydKMeans(points, weights, 4000, 3, {
        k: 12,
        nInit,
        maxIter: 50,
        tol: 0,
        seed: 4,
        fixed,
      });
      expect(Array.from(r.centers.subarray(0, 6))).toEqual(Array.from(fixed));
      expect(r.inertia).toBeCloseTo(bruteInertia(points, weights, r.centers, 3), 0);
      // The free centres moved: they are means, not the seeds' integer colours.
      expect(Array.from(r.centers.subarray(6)).some((v) => !Number.isInteger(v))).toBe(true);
    },
  );

  test('Lloyd on grey levels (the script steps) keeps them too', () => {
    const rng = new Rng(3);
    const points = Float64Array.from({ length: 256 }, (_, i) => i);
    const weights = Float64Array.from({ length: 256 }, () => 1 + rng.int(9));
    const r = lloydKMeans(points, weights, 256, 1, {
      k: 5,
      nInit: 1,
      maxIter: 50,
      tol: 0,
      seed: 1,
      fixed: Float64Array.of(7),
    });
    expect(r.centers[0]).toBe(7);
    expect(r.inertia).toBeCloseTo(bruteInertia(points, weights, r.centers, 1), 3);
  });

  test('fitting around fixed centres costs less than putting them on top of a free fit', () => {
    const { points, weights } = randomColours(3000, 9);
    const around = lloydKMeans(points, weights, 3000, 3, {
      k: 10,
      nInit: 1,
      maxIter: 100,
      tol: 0,
      seed: 1,
      fixed,
    });
    const free = lloydKMeans(points, weights, 3000, 3, {
      k: 8,
      nInit: 1,
      maxIter: 100,
      tol: 0,
      seed: 1,
    });
    const onTop = new Float64Array(30);
    onTop.set(fixed, 0);
    onTop.set(free.centers, 6);
    expect(around.inertia).toBeLessThanOrEqual(bruteInertia(points, weights, onTop, 3) * 1.0001);
  });

  test('k-means++ places the others away from the fixed ones', () => {
    const pts = Float64Array.of(255, 0, 0, 254, 1, 0, 0, 0, 250, 100, 100, 100);
    const seeds = kmeansPlusPlus(pts, undefined, 4, 3, 3, new Rng(1), {
      fixed: Float64Array.of(255, 0, 0),
    });
    expect(Array.from(seeds.subarray(0, 3))).toEqual([255, 0, 0]);
    const others = [
      Array.from(seeds.subarray(3, 6)).join(),
      Array.from(seeds.subarray(6, 9)).join(),
    ].sort();
    expect(others).toEqual(['0,0,250', '100,100,100']);
  });

  test('mini-batch k-means keeps them as well', () => {
    const rng = new Rng(6);
    const n = 5000;
    const points = Uint8Array.from({ length: n * 4 }, () => rng.int(256));
    const kept = Float64Array.of(255, 0, 0, 128);
    const r = miniBatchKMeans(points, n, 4, {
      k: 6,
      nInit: 1,
      batchSize: 256,
      maxIter: 20,
      tol: 0,
      maxNoImprovement: 0,
      reassignmentRatio: 0.5,
      seed: 2,
      fixed: kept,
    });
    expect(Array.from(r.centers.subarray(0, 4))).toEqual([255, 0, 0, 128]);
  });
});
