import { sqDist } from './vectors.js';
import type { Drift } from './lloydStep.js';
import type { FitData, Sums } from './lloydSteps.js';

/**
 * Over-relaxation: each step moves the centres twice as far as Lloyd's step would (to
 * c + 2 (mean - c)); a step that raises the inertia is taken back and replaced by Lloyd's. Lloyd
 * creeps towards its optimum in ever smaller steps; over-relaxed steps get there in far fewer.
 */
const OVER_RELAXATION = 2;

/** Centres moved OVER_RELAXATION times as far as towards their means; relocated ones to theirs. */
export function overRelaxed(
  centers: Float64Array,
  step: Means,
  k: number,
  d: number,
): Float64Array {
  const next = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    for (let ch = 0; ch < d; ch++) {
      const at = j * d + ch;
      const mean = step.means[at] as number;
      next[at] = step.relocated[j]
        ? mean
        : (centers[at] as number) + OVER_RELAXATION * (mean - (centers[at] as number));
    }
  }
  return next;
}

/** How far each centre moved, and which two moved most (for loosening the bounds). */
export function driftOf(before: Float64Array, after: Float64Array, k: number, d: number): Drift {
  const moved = new Float64Array(k);
  let most = 0;
  let mostJ = -1;
  let secondMost = 0;
  for (let j = 0; j < k; j++) {
    const m = Math.sqrt(sqDist(after, j * d, before, j * d, d));
    moved[j] = m;
    if (m > most) {
      secondMost = most;
      most = m;
      mostJ = j;
    } else if (m > secondMost) secondMost = m;
  }
  return { moved, most, mostJ, secondMost };
}

/** One step's cluster means, the inertia of its labels about them, and which were empty. */
export interface Means {
  means: Float64Array;
  inertia: number;
  /** 1 where the cluster was empty and its centre moved to a badly served point instead. */
  relocated: Uint8Array;
}

/**
 * Weighted means of each cluster, from the parts' sums added in order, and the inertia about
 * them. A centre left with no points moves to the point that is worst served (by its upper
 * bound), as scikit-learn relocates empty clusters.
 */
export function meansOf(
  parts: Sums[],
  data: FitData,
  k: number,
  upper: Float64Array,
  previous: Float64Array,
): Means {
  const { points, weights, n, d } = data;
  const means = new Float64Array(k * d);
  const relocated = new Uint8Array(k);
  let inertia = data.squaredNorms;
  const taken = new Set<number>();
  for (let j = 0; j < k; j++) {
    const mass = massOf(parts, j);
    if (mass > 0) {
      let norm = 0;
      for (let ch = 0; ch < d; ch++) {
        const at = j * d + ch;
        let sum = 0;
        for (const part of parts) sum += part.sums[at] as number;
        means[at] = sum / mass;
        norm += sum * sum;
      }
      inertia -= norm / mass;
      continue;
    }
    let worst = -1;
    let worstCost = -1;
    for (let i = 0; i < n; i++) {
      const cost = (weights[i] as number) * (upper[i] as number) ** 2;
      if (cost > worstCost && !taken.has(i)) {
        worstCost = cost;
        worst = i;
      }
    }
    if (worst < 0 || worstCost <= 0) {
      means.set(previous.subarray(j * d, j * d + d), j * d);
    } else {
      taken.add(worst);
      relocated[j] = 1;
      means.set(points.subarray(worst * d, worst * d + d), j * d);
    }
  }
  // Rounding can leave a tiny negative remainder when every point sits on its mean.
  return { means, inertia: Math.max(0, inertia), relocated };
}

/** Cluster j's mass: the parts' added in order. */
export function massOf(parts: Sums[], j: number): number {
  let mass = 0;
  for (const part of parts) mass += part.mass[j] as number;
  return mass;
}
