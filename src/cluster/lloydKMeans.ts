import { gridCells } from './gridCells.js';
import { lloydPartnerFor } from './LloydPartner.js';
import {
  accumulate,
  assignBounded,
  firstAtOrAbove,
  loosenBounds,
  type Drift,
} from './lloydStep.js';
import { principalAxis } from './principalAxis.js';
import { dot, sqDist } from './vectors.js';
import { seedCentersWeighted } from './weightedKMeansPlusPlus.js';
import { Rng } from './rng.js';

export interface LloydKMeansOptions {
  k: number;
  /** k-means++ initialisations; the run with the lowest inertia wins. */
  nInit: number;
  maxIter: number;
  /** Stop when the centres move less than this, relative to the data's variance (as scikit-learn). */
  tol: number;
  seed: number;
}

export interface LloydResult {
  /** k x d, row-major. */
  centers: Float64Array;
  /** Weighted sum of squared distances of every point to its centre. */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  steps: number;
  stopReason: 'converged' | 'tol' | 'max-iter';
  /** Threads the final run's steps ran on (2 with the partner thread). */
  threads: 1 | 2;
}

/** Above this many points, Lloyd runs on GRID_CELLS cells per axis first. */
const COARSE_ABOVE = 32768;
const GRID_CELLS = 64;

/**
 * Weighted k-means (Lloyd's algorithm, k-means++ seeding) over points with weights: run on the
 * distinct colours of an image weighted by their pixel counts, this is exactly k-means over every
 * pixel. Assignment searches the centres sorted along the data's principal axis, starting from the
 * point's previous centre, so that most centres are never looked at.
 */
export function lloydKMeans(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  options: LloydKMeansOptions,
): LloydResult {
  const rng = new Rng(options.seed);
  const axis = principalAxis(points, weights, n, d);
  const proj = projectAll(points, n, d, axis);
  const tol = options.tol * weightedVariance(points, weights, n, d);

  // Many points: converge first on a coarse grid of cells (each at its exact mean), then finish
  // on every point from there, which then takes a few iterations instead of dozens.
  const coarse = n > COARSE_ABOVE ? gridCells(points, weights, n, d, GRID_CELLS) : undefined;
  const coarseProj = coarse && projectAll(coarse.points, coarse.count, d, axis);

  let best: LloydResult | undefined;
  for (let run = 0; run < options.nInit; run++) {
    let seeds = seedCentersWeighted(points, weights, n, d, options.k, rng);
    let coarseSteps = 0;
    if (coarse && coarseProj) {
      const rough = lloyd(
        coarse.points,
        coarse.weights,
        coarseProj,
        axis,
        coarse.count,
        d,
        seeds,
        options.maxIter,
        tol,
      );
      seeds = rough.centers;
      coarseSteps = rough.steps;
    }
    // Started near the optimum, centres move little from the first step: ask for a tighter stop.
    const result = lloyd(
      points,
      weights,
      proj,
      axis,
      n,
      d,
      seeds,
      options.maxIter,
      coarse ? tol / 10 : tol,
    );
    result.steps += coarseSteps;
    if (!best || result.inertia < best.inertia) best = result;
  }
  if (!best) throw new Error('nInit must be at least 1');
  return best;
}

function projectAll(points: Float64Array, n: number, d: number, axis: Float64Array): Float64Array {
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) proj[i] = dot(points, i * d, axis, d);
  return proj;
}

function lloyd(
  points: Float64Array,
  weights: Float64Array,
  proj: Float64Array,
  axis: Float64Array,
  n: number,
  d: number,
  initial: Float64Array,
  maxIter: number,
  tol: number,
): LloydResult {
  const k = initial.length / d;
  // Every step runs as two halves whose sums are added in one order, so that the result is the
  // same whether a second thread does the second half or not.
  const mid = n >> 1;
  const partner = lloydPartnerFor(n, k)?.begin(points, weights, proj, axis, n, d, k, mid);
  const bounds = partner?.bounds ?? {
    labels: new Int32Array(n).fill(-1),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
  };
  const first: Sums = { sums: new Float64Array(k * d), mass: new Float64Array(k) };
  const second: Sums = partner ?? { sums: new Float64Array(k * d), mass: new Float64Array(k) };
  const half = (from: number, to: number, acc: Sums, drift: Drift | undefined) => {
    if (drift) loosenBounds(bounds, drift, from, to);
    const changed = assignBounded(points, proj, axis, d, centers, bounds, from, to);
    acc.sums.fill(0);
    acc.mass.fill(0);
    accumulate(points, weights, d, bounds.labels, from, to, acc.sums, acc.mass);
    return changed;
  };
  let centers = initial;
  let drift: (Drift & { shift: number }) | undefined;
  let stopReason: LloydResult['stopReason'] = 'max-iter';
  let steps = 0;
  try {
    for (let iter = 0; iter < maxIter; iter++) {
      steps++;
      partner?.start(centers, drift);
      let changed = half(0, mid, first, drift);
      changed += partner ? partner.finish() : half(mid, n, second, drift);
      if (changed === 0 && iter > 0) {
        stopReason = 'converged';
        break;
      }
      const next = meansOf(first, second, points, weights, n, d, k, bounds.upper, centers);
      drift = driftOf(centers, next, k, d);
      centers = next;
      if (drift.shift <= tol) {
        stopReason = 'tol';
        break;
      }
    }
  } finally {
    partner?.end();
  }
  // One exact assignment, so that inertia (and its comparison between runs) is exact.
  const dist = new Float64Array(n);
  assign(points, proj, axis, n, d, centers, bounds.labels, dist);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += (weights[i] as number) * (dist[i] as number);
  return { centers, inertia, steps, stopReason, threads: partner ? 2 : 1 };
}

/** One half's weighted sums (k x d) and masses (k) per cluster. */
interface Sums {
  sums: Float64Array;
  mass: Float64Array;
}

function driftOf(
  before: Float64Array,
  after: Float64Array,
  k: number,
  d: number,
): Drift & { shift: number } {
  const moved = new Float64Array(k);
  let shift = 0;
  let most = 0;
  let mostJ = -1;
  let secondMost = 0;
  for (let j = 0; j < k; j++) {
    const m2 = sqDist(after, j * d, before, j * d, d);
    shift += m2;
    const m = Math.sqrt(m2);
    moved[j] = m;
    if (m > most) {
      secondMost = most;
      most = m;
      mostJ = j;
    } else if (m > secondMost) secondMost = m;
  }
  return { moved, most, mostJ, secondMost, shift };
}

/** Nearest centre of every point; returns how many labels changed. */
function assign(
  points: Float64Array,
  proj: Float64Array,
  axis: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  labels: Int32Array,
  dist: Float64Array,
): number {
  const k = centers.length / d;
  const cproj = new Float64Array(k);
  for (let j = 0; j < k; j++) cproj[j] = dot(centers, j * d, axis, d);
  const order = Int32Array.from({ length: k }, (_, j) => j).sort(
    (a, b) => (cproj[a] as number) - (cproj[b] as number) || a - b,
  );
  const sortedProj = Float64Array.from(order, (j) => cproj[j] as number);
  // Where each centre sits in the sorted order, to start the search there.
  const rank = new Int32Array(k);
  order.forEach((j, r) => (rank[j] = r));

  let changed = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const p = proj[i] as number;
    let bestJ = labels[i] as number;
    let best = bestJ >= 0 ? sqDist(points, o, centers, bestJ * d, d) : Infinity;
    let start: number;
    if (bestJ >= 0) start = rank[bestJ] as number;
    else start = Math.min(firstAtOrAbove(sortedProj, k, p), k - 1);
    for (let r = start; r < k; r++) {
      const gap = (sortedProj[r] as number) - p;
      if (gap > 0 && gap * gap > best) break;
      const j = order[r] as number;
      const dd = sqDist(points, o, centers, j * d, d);
      if (dd < best || (dd === best && j < bestJ)) {
        best = dd;
        bestJ = j;
      }
    }
    for (let r = start - 1; r >= 0; r--) {
      const gap = p - (sortedProj[r] as number);
      if (gap > 0 && gap * gap > best) break;
      const j = order[r] as number;
      const dd = sqDist(points, o, centers, j * d, d);
      if (dd < best || (dd === best && j < bestJ)) {
        best = dd;
        bestJ = j;
      }
    }
    if (bestJ !== labels[i]) changed++;
    labels[i] = bestJ;
    dist[i] = best;
  }
  return changed;
}

/**
 * Weighted means of each cluster, from the two halves' sums. A centre left with no points moves
 * to the point that is worst served (by its upper bound), as scikit-learn relocates empty clusters.
 */
function meansOf(
  first: Sums,
  second: Sums,
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  k: number,
  upper: Float64Array,
  previous: Float64Array,
): Float64Array {
  const next = new Float64Array(k * d);
  const taken = new Set<number>();
  for (let j = 0; j < k; j++) {
    const mass = (first.mass[j] as number) + (second.mass[j] as number);
    if (mass > 0) {
      for (let ch = 0; ch < d; ch++) {
        const at = j * d + ch;
        next[at] = ((first.sums[at] as number) + (second.sums[at] as number)) / mass;
      }
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
      next.set(previous.subarray(j * d, j * d + d), j * d);
    } else {
      taken.add(worst);
      next.set(points.subarray(worst * d, worst * d + d), j * d);
    }
  }
  return next;
}

function weightedVariance(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
): number {
  let total = 0;
  let mass = 0;
  for (let i = 0; i < n; i++) mass += weights[i] as number;
  for (let ch = 0; ch < d; ch++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = points[i * d + ch] as number;
      s += (weights[i] as number) * v;
      s2 += (weights[i] as number) * v * v;
    }
    const mean = s / mass;
    total += s2 / mass - mean * mean;
  }
  return total / d;
}
