import { sqDist } from './vectors.js';
import type { Rng } from './Rng.js';

/** Points k-means++ seeds from; more are thinned by weighted sampling first. */
const SEEDING_POINTS = 4096;

/** Greedy k-means++ with weights, on at most SEEDING_POINTS points drawn by weight. */
export function seedCentersWeighted(
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
