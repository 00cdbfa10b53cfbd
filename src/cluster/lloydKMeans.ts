import { principalAxis } from './principalAxis.js';
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

/** Points k-means++ seeds from; more are thinned by weighted sampling first. */
const SEEDING_POINTS = 4096;

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
  const coarse = n > COARSE_ABOVE ? gridCells(points, weights, n, d) : undefined;
  const coarseProj = coarse && projectAll(coarse.points, coarse.count, d, axis);

  let best: LloydResult | undefined;
  for (let run = 0; run < options.nInit; run++) {
    let seeds = seedCenters(points, weights, n, d, options.k, rng);
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

/** The points gathered into a GRID_CELLS^d grid over their range, each cell at its weighted mean. */
function gridCells(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
): { points: Float64Array; weights: Float64Array; count: number } {
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < d; ch++) {
      const v = points[i * d + ch] as number;
      if (v < (min[ch] as number)) min[ch] = v;
      if (v > (max[ch] as number)) max[ch] = v;
    }
  }
  const cellOf = new Map<number, number>();
  const sums: number[] = [];
  const mass: number[] = [];
  for (let i = 0; i < n; i++) {
    let key = 0;
    for (let ch = 0; ch < d; ch++) {
      const span = (max[ch] as number) - (min[ch] as number) || 1;
      const cell = Math.min(
        GRID_CELLS - 1,
        Math.floor((((points[i * d + ch] as number) - (min[ch] as number)) / span) * GRID_CELLS),
      );
      key = key * GRID_CELLS + cell;
    }
    let c = cellOf.get(key);
    if (c === undefined) {
      c = mass.length;
      cellOf.set(key, c);
      mass.push(0);
      for (let ch = 0; ch < d; ch++) sums.push(0);
    }
    const w = weights[i] as number;
    mass[c] = (mass[c] as number) + w;
    for (let ch = 0; ch < d; ch++)
      sums[c * d + ch] = (sums[c * d + ch] as number) + w * (points[i * d + ch] as number);
  }
  const out = new Float64Array(mass.length * d);
  for (let c = 0; c < mass.length; c++)
    for (let ch = 0; ch < d; ch++)
      out[c * d + ch] = (sums[c * d + ch] as number) / (mass[c] as number);
  return { points: out, weights: Float64Array.from(mass), count: mass.length };
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

/** Greedy k-means++ with weights, on at most SEEDING_POINTS points drawn by weight. */
function seedCenters(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
): Float64Array {
  const { idx, w } = thin(weights, n, rng);
  const m = idx.length;
  // The thinned points, packed, so the inner loops read them in order.
  const local = new Float64Array(m * d);
  for (let s = 0; s < m; s++)
    local.set(points.subarray((idx[s] as number) * d, (idx[s] as number) * d + d), s * d);
  const centers = new Float64Array(k * d);
  const closest = new Float64Array(m);
  const cumulative = new Float64Array(m);
  const trials = 2 + Math.floor(Math.log(k));
  const candidateDist = new Float64Array(m);
  const bestDist = new Float64Array(m);

  let chosen = pickFrom(cumulativeOf(w, undefined, cumulative, m), m, rng);
  for (let s = 0; s < m; s++) closest[s] = sqDist(local, s * d, local, chosen * d, d);
  centers.set(local.subarray(chosen * d, chosen * d + d), 0);
  for (let c = 1; c < k; c++) {
    cumulativeOf(w, closest, cumulative, m);
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      const cand = pickFrom(cumulative, m, rng);
      let pot = 0;
      for (let s = 0; s < m; s++) {
        const dd = Math.min(closest[s] as number, sqDist(local, s * d, local, cand * d, d));
        candidateDist[s] = dd;
        pot += (w[s] as number) * dd;
      }
      if (pot < bestPot) {
        bestPot = pot;
        chosen = cand;
        bestDist.set(candidateDist);
      }
    }
    closest.set(bestDist);
    centers.set(local.subarray(chosen * d, chosen * d + d), c * d);
  }
  return centers;
}

/** Running sums of w (times `by`, when given) into `out`. */
function cumulativeOf(
  w: Float64Array,
  by: Float64Array | undefined,
  out: Float64Array,
  m: number,
): Float64Array {
  let total = 0;
  for (let s = 0; s < m; s++) out[s] = total += (w[s] as number) * (by ? (by[s] as number) : 1);
  return out;
}

/** An index drawn with probability proportional to its share of the running sums. */
function pickFrom(cumulative: Float64Array, m: number, rng: Rng): number {
  const total = cumulative[m - 1] as number;
  // Every point already sits on a centre: any choice is as good as another.
  if (!(total > 0)) return rng.int(m);
  return Math.min(m - 1, upperBound(cumulative.subarray(0, m), rng.next() * total));
}

/** Up to SEEDING_POINTS distinct point indices drawn with probability by weight, with their multiplicity as weight. */
function thin(weights: Float64Array, n: number, rng: Rng): { idx: Int32Array; w: Float64Array } {
  if (n <= SEEDING_POINTS)
    return { idx: Int32Array.from({ length: n }, (_, i) => i), w: weights.subarray(0, n) };
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += weights[i] as number;
  const hits = new Map<number, number>();
  for (let s = 0; s < SEEDING_POINTS; s++) {
    const i = upperBound(cumulative, rng.next() * total);
    hits.set(i, (hits.get(i) ?? 0) + 1);
  }
  const idx = Int32Array.from([...hits.keys()].sort((a, b) => a - b));
  return { idx, w: Float64Array.from(idx, (i) => hits.get(i) as number) };
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sqDist(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let ch = 0; ch < d; ch++) {
    const diff = (a[ao + ch] as number) - (b[bo + ch] as number);
    s += diff * diff;
  }
  return s;
}

function dot(a: Float64Array, ao: number, axis: Float64Array, d: number): number {
  let s = 0;
  for (let ch = 0; ch < d; ch++) s += (a[ao + ch] as number) * (axis[ch] as number);
  return s;
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
