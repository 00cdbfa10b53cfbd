import { gridCells } from './gridCells.js';
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
  let centers = initial;
  const labels = new Int32Array(n).fill(-1);
  // Hamerly's bounds: upper >= distance to the own centre, lower <= distance to any other.
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const approxDist = new Float64Array(n);
  let stopReason: LloydResult['stopReason'] = 'max-iter';
  let steps = 0;

  for (let iter = 0; iter < maxIter; iter++) {
    steps++;
    const changed = assignBounded(points, proj, axis, n, d, centers, labels, upper, lower);
    if (changed === 0 && iter > 0) {
      stopReason = 'converged';
      break;
    }
    for (let i = 0; i < n; i++) approxDist[i] = (upper[i] as number) ** 2;
    const next = updateCenters(points, weights, n, d, k, labels, approxDist, centers);
    const moved = new Float64Array(k);
    let shift = 0;
    let most = 0;
    let mostJ = -1;
    let secondMost = 0;
    for (let j = 0; j < k; j++) {
      const m2 = sqDist(next, j * d, centers, j * d, d);
      shift += m2;
      const m = Math.sqrt(m2);
      moved[j] = m;
      if (m > most) {
        secondMost = most;
        most = m;
        mostJ = j;
      } else if (m > secondMost) secondMost = m;
    }
    for (let i = 0; i < n; i++) {
      const j = labels[i] as number;
      upper[i] = (upper[i] as number) + (moved[j] as number);
      lower[i] = (lower[i] as number) - (j === mostJ ? secondMost : most);
    }
    centers = next;
    if (shift <= tol) {
      stopReason = 'tol';
      break;
    }
  }
  // One exact assignment, so that inertia (and its comparison between runs) is exact.
  const dist = new Float64Array(n);
  assign(points, proj, axis, n, d, centers, labels, dist);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += (weights[i] as number) * (dist[i] as number);
  return { centers, inertia, steps, stopReason };
}

/**
 * Assignment with Hamerly's bounds: a point whose upper bound is below both its lower bound and
 * half the distance from its centre to the nearest other centre cannot change cluster, and is not
 * looked at. Others get an exact nearest and second-nearest search. Returns labels changed.
 */
function assignBounded(
  points: Float64Array,
  proj: Float64Array,
  axis: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
): number {
  const k = centers.length / d;
  const half = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const h = Math.sqrt(sqDist(centers, a * d, centers, b * d, d)) / 2;
      if (h < (half[a] as number)) half[a] = h;
      if (h < (half[b] as number)) half[b] = h;
    }
  }
  const cproj = new Float64Array(k);
  for (let j = 0; j < k; j++) cproj[j] = dot(centers, j * d, axis, d);
  const order = Int32Array.from({ length: k }, (_, j) => j).sort(
    (a, b) => (cproj[a] as number) - (cproj[b] as number) || a - b,
  );
  const sortedProj = Float64Array.from(order, (j) => cproj[j] as number);

  let changed = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const own = labels[i] as number;
    if (own >= 0) {
      const bound = Math.max(half[own] as number, lower[i] as number);
      if ((upper[i] as number) <= bound) continue;
      upper[i] = Math.sqrt(sqDist(points, o, centers, own * d, d));
      if ((upper[i] as number) <= bound) continue;
    }
    // Nearest and second nearest, searching out from the point's projection on the axis.
    const p = proj[i] as number;
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedProj[mid] as number) < p) lo = mid + 1;
      else hi = mid;
    }
    let best = Infinity;
    let bestJ = -1;
    let second = Infinity;
    let up = lo;
    let down = lo - 1;
    while (up < k || down >= 0) {
      if (up < k) {
        const gap = (sortedProj[up] as number) - p;
        if (gap * gap > second) up = k;
        else {
          const j = order[up] as number;
          const dd = sqDist(points, o, centers, j * d, d);
          if (dd < best || (dd === best && j < bestJ)) {
            second = best;
            best = dd;
            bestJ = j;
          } else if (dd < second) second = dd;
          up++;
        }
      }
      if (down >= 0) {
        const gap = p - (sortedProj[down] as number);
        if (gap * gap > second) down = -1;
        else {
          const j = order[down] as number;
          const dd = sqDist(points, o, centers, j * d, d);
          if (dd < best || (dd === best && j < bestJ)) {
            second = best;
            best = dd;
            bestJ = j;
          } else if (dd < second) second = dd;
          down--;
        }
      }
    }
    if (bestJ !== own) changed++;
    labels[i] = bestJ;
    upper[i] = Math.sqrt(best);
    lower[i] = Math.sqrt(second);
  }
  return changed;
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
    else {
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((sortedProj[mid] as number) < p) lo = mid + 1;
        else hi = mid;
      }
      start = Math.min(lo, k - 1);
    }
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
 * Weighted means of each cluster. A centre left with no points moves to the point that is worst
 * served, as scikit-learn relocates empty clusters.
 */
function updateCenters(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  previous: Float64Array,
): Float64Array {
  const sums = new Float64Array(k * d);
  const mass = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const j = labels[i] as number;
    const w = weights[i] as number;
    mass[j] = (mass[j] as number) + w;
    for (let ch = 0; ch < d; ch++)
      sums[j * d + ch] = (sums[j * d + ch] as number) + w * (points[i * d + ch] as number);
  }
  const next = new Float64Array(k * d);
  const taken = new Set<number>();
  for (let j = 0; j < k; j++) {
    if ((mass[j] as number) > 0) {
      for (let ch = 0; ch < d; ch++)
        next[j * d + ch] = (sums[j * d + ch] as number) / (mass[j] as number);
      continue;
    }
    let worst = -1;
    let worstCost = -1;
    for (let i = 0; i < n; i++) {
      const cost = (weights[i] as number) * (dist[i] as number);
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
