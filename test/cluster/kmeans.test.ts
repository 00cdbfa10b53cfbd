import { Matrix } from 'ml-matrix';
import { describe, expect, test } from 'vitest';
import { kmeansPlusPlus } from '../../src/cluster/kmeansPlusPlus.js';
import {
  miniBatchKMeans,
  reassignStarved,
  type MiniBatchKMeansOptions,
} from '../../src/cluster/miniBatchKMeans.js';
import { Rng } from '../../src/cluster/Rng.js';

const BLOB_CENTRES = [
  [30, 40, 50],
  [200, 60, 90],
  [90, 210, 160],
  [240, 240, 20],
];

/** Points in tight blobs (+-4) around known centres, in a shuffled order. */
function blobs(perBlob: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const points: number[][] = [];
  for (const c of BLOB_CENTRES) {
    for (let i = 0; i < perBlob; i++) points.push(c.map((v) => v + rng.int(9) - 4));
  }
  for (let i = points.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [points[i], points[j]] = [points[j] as number[], points[i] as number[]];
  }
  return Uint8Array.from(points.flat());
}

const OPTIONS: MiniBatchKMeansOptions = {
  k: 4,
  nInit: 3,
  batchSize: 256,
  maxIter: 50,
  tol: 0,
  maxNoImprovement: 10,
  reassignmentRatio: 0.01,
  seed: 5,
};

function bruteInertia(points: Uint8Array, centers: Float64Array, k: number, d: number): number {
  let total = 0;
  for (let i = 0; i < points.length / d; i++) {
    let best = Infinity;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let ch = 0; ch < d; ch++)
        s += ((points[i * d + ch] as number) - (centers[j * d + ch] as number)) ** 2;
      best = Math.min(best, s);
    }
    total += best;
  }
  return total;
}

describe('miniBatchKMeans', () => {
  test('finds four well-separated blobs', () => {
    const points = blobs(500, 1);
    const result = miniBatchKMeans(points, 2000, 3, OPTIONS);
    const found = Array.from({ length: 4 }, (_, j) =>
      Array.from(result.centers.subarray(j * 3, j * 3 + 3)),
    );
    for (const c of BLOB_CENTRES) {
      const nearest = Math.min(
        ...found.map((f) => Math.hypot(...f.map((v, i) => v - (c[i] as number)))),
      );
      expect(nearest).toBeLessThan(2);
    }
    expect(result.inertia).toBeCloseTo(bruteInertia(points, result.centers, 4, 3), 3);
    expect(result.steps).toBeGreaterThan(1);
    expect(['tol', 'no-improvement', 'max-iter']).toContain(result.stopReason);
  });

  test('is deterministic for a seed', () => {
    const points = blobs(300, 2);
    const a = miniBatchKMeans(points, 1200, 3, OPTIONS);
    const b = miniBatchKMeans(points, 1200, 3, OPTIONS);
    expect(b.centers).toEqual(a.centers);
    expect(b.steps).toBe(a.steps);
  });

  test('stops at maxIter when early stopping is off, and says so', () => {
    const points = blobs(100, 3);
    const r = miniBatchKMeans(points, 400, 3, {
      ...OPTIONS,
      maxNoImprovement: 0,
      maxIter: 2,
      batchSize: 100,
    });
    expect(r.stopReason).toBe('max-iter');
    expect(r.steps).toBe(8);
  });

  test('stops on tol when centres stop moving', () => {
    const points = blobs(200, 4);
    const r = miniBatchKMeans(points, 800, 3, { ...OPTIONS, tol: 1e-3, maxNoImprovement: 0 });
    expect(r.stopReason).toBe('tol');
  });

  test('reseeds a centre that nothing is assigned to onto a point of the batch', () => {
    const centers = new Matrix([
      [0, 0, 0],
      [100, 100, 100],
      [255, 0, 255],
    ]);
    const counts = Float64Array.of(500, 300, 0);
    const batch = new Matrix([
      [1, 2, 3],
      [99, 98, 97],
    ]);
    reassignStarved(centers, counts, batch, OPTIONS, new Rng(1));
    const moved = centers.getRow(2);
    expect([
      [1, 2, 3],
      [99, 98, 97],
    ]).toContainEqual(moved);
    expect(counts[2]).toBe(300);
    expect(centers.getRow(0)).toEqual([0, 0, 0]);
  });
});

describe('kmeansPlusPlus', () => {
  test('seeds one centre in each separated blob', () => {
    const points = blobs(50, 6);
    const centers = kmeansPlusPlus(Float64Array.from(points), undefined, 200, 3, 4, new Rng(1));
    const blobOf = (row: number[]): number =>
      BLOB_CENTRES.findIndex((c) => Math.hypot(...c.map((v, i) => v - (row[i] as number))) < 10);
    const rows = [0, 1, 2, 3].map((j) => Array.from(centers.subarray(j * 3, j * 3 + 3)));
    const hit = new Set(rows.map(blobOf));
    expect(hit).toEqual(new Set([0, 1, 2, 3]));
  });
});
