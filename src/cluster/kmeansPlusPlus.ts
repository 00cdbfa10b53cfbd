import { Matrix } from 'ml-matrix';
import type { Rng } from './Rng.js';
import { squaredDistances } from './squaredDistances.js';

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii, with scikit-learn's 2 + log(k) local trials per
 * centre): each new centre is drawn with probability proportional to its squared distance from the
 * nearest centre so far, keeping the candidate that lowers the potential most.
 * `points` is an n x d matrix; returns a k x d matrix of centres.
 */
export function kmeansPlusPlus(points: Matrix, k: number, rng: Rng): Matrix {
  const n = points.rows;
  const d = points.columns;
  const centers = new Matrix(k, d);
  const trials = 2 + Math.floor(Math.log(k));

  const first = rng.int(n);
  centers.setRow(0, points.getRow(first));
  const closest = squaredDistances(points, centers.subMatrix(0, 0, 0, d - 1)).getColumn(0);
  let potential = sum(closest);

  for (let c = 1; c < k; c++) {
    const candidates: number[] = [];
    for (let t = 0; t < trials; t++) candidates.push(pickProportional(closest, potential, rng));
    const candidateRows = new Matrix(candidates.map((i) => points.getRow(i)));
    const toCandidates = squaredDistances(candidateRows, points);

    let bestPotential = Infinity;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      let pot = 0;
      for (let i = 0; i < n; i++) pot += Math.min(closest[i] as number, toCandidates.get(t, i));
      if (pot < bestPotential) {
        bestPotential = pot;
        bestTrial = t;
      }
    }
    centers.setRow(c, candidateRows.getRow(bestTrial));
    for (let i = 0; i < n; i++) {
      closest[i] = Math.min(closest[i] as number, toCandidates.get(bestTrial, i));
    }
    potential = bestPotential;
  }
  return centers;
}

function pickProportional(weights: number[], total: number, rng: Rng): number {
  // Every point already sits on a centre: any choice is as good as another.
  if (!(total > 0)) return rng.int(weights.length);
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i] as number;
    if (target < 0) return i;
  }
  return weights.length - 1;
}

function sum(values: number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
