import type { Rng } from './Rng.js';
import { firstAtOrAbove } from './sortedSearch.js';
import { sqDist } from './vectors.js';

/** Points weighted seeding looks at by default; more are thinned by weighted sampling first. */
const SEEDING_POINTS = 4096;

export interface SeedingOptions {
  /** Thin to this many points drawn by weight first (default 4096; Infinity: never). */
  maxPoints?: number;
  /** Centres given beforehand (f x d): the first f of the k, seeding places the other k - f. */
  fixed?: Float64Array;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii, with scikit-learn's 2 + log(k) local trials per
 * centre) over `n` points of `d` values with weights (undefined: 1 each): each new centre is
 * drawn with probability proportional to weight times squared distance from the nearest centre
 * so far, keeping the candidate that lowers the potential most. Returns k x d centres.
 */
export function kmeansPlusPlus(
  points: Float64Array,
  weights: Float64Array | undefined,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  options: SeedingOptions = {},
): Float64Array {
  const unit = weights ?? new Float64Array(n).fill(1);
  const { idx, w } = thin(unit, n, options.maxPoints ?? SEEDING_POINTS, rng);
  const m = idx.length;
  // The points seeded from, packed, so the inner loops read them in order.
  const local = new Float64Array(m * d);
  for (let s = 0; s < m; s++)
    local.set(points.subarray((idx[s] as number) * d, (idx[s] as number) * d + d), s * d);
  const centers = new Float64Array(k * d);
  const closest = new Float64Array(m);
  const cumulative = new Float64Array(m);
  const trials = 2 + Math.floor(Math.log(k));
  const candidateDist = new Float64Array(m);
  const bestDist = new Float64Array(m);

  const fixed = options.fixed ?? new Float64Array(0);
  const f = fixed.length / d;
  let chosen = 0;
  if (f > 0) {
    centers.set(fixed, 0);
    for (let s = 0; s < m; s++) {
      let near = Infinity;
      for (let j = 0; j < f; j++) near = Math.min(near, sqDist(local, s * d, fixed, j * d, d));
      closest[s] = near;
    }
  } else {
    chosen = pickFrom(cumulativeOf(w, undefined, cumulative, m), m, rng);
    for (let s = 0; s < m; s++) closest[s] = sqDist(local, s * d, local, chosen * d, d);
    centers.set(local.subarray(chosen * d, chosen * d + d), 0);
  }
  for (let c = Math.max(1, f); c < k; c++) {
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
  return Math.min(m - 1, firstAtOrAbove(cumulative, m, rng.next() * total, true));
}

/**
 * Up to `most` distinct point indices drawn with probability by weight, with their multiplicity
 * as weight; all of them, as they are, when there are no more than `most`.
 */
function thin(
  weights: Float64Array,
  n: number,
  most: number,
  rng: Rng,
): { idx: Int32Array; w: Float64Array } {
  if (n <= most)
    return { idx: Int32Array.from({ length: n }, (_, i) => i), w: weights.subarray(0, n) };
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += weights[i] as number;
  const hits = new Map<number, number>();
  for (let s = 0; s < most; s++) {
    const i = Math.min(n - 1, firstAtOrAbove(cumulative, n, rng.next() * total, true));
    hits.set(i, (hits.get(i) ?? 0) + 1);
  }
  const idx = Int32Array.from([...hits.keys()].sort((a, b) => a - b));
  return { idx, w: Float64Array.from(idx, (i) => hits.get(i) as number) };
}
