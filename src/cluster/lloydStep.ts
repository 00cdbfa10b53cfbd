import { ProjectedSearch, type Nearest } from './nearest/ProjectedSearch.js';
import { sqDist } from './vectors.js';

/**
 * One Lloyd step over a range of points, in TypeScript: for data other than colours (grey levels),
 * which the WebAssembly kernels (kernels/) do not take. Each range sums into its own arrays, as
 * the kernels' halves do. Pure functions over typed arrays.
 */

/** Hamerly's bounds: upper >= distance to the own centre, lower <= distance to any other. */
export interface Bounds {
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
}

/** How far each centre moved in the last step, and the two largest moves. */
export interface Drift {
  moved: Float64Array;
  most: number;
  mostJ: number;
  secondMost: number;
}

/**
 * Assignment with Hamerly's bounds: a point whose upper bound is below both its lower bound and
 * half the distance from its centre to the nearest other centre cannot change cluster, and is not
 * looked at. Others get an exact nearest and second-nearest search. Points from..to-1 only;
 * returns how many labels changed.
 */
export function assignBounded(
  points: Float64Array,
  axis: Float64Array,
  d: number,
  centers: Float64Array,
  bounds: Bounds,
  from: number,
  to: number,
): number {
  const { labels, upper, lower } = bounds;
  const k = centers.length / d;
  const half = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const h = Math.sqrt(sqDist(centers, a * d, centers, b * d, d)) / 2;
      if (h < (half[a] as number)) half[a] = h;
      if (h < (half[b] as number)) half[b] = h;
    }
  }
  const search = new ProjectedSearch(centers, k, d, axis);
  const found: Nearest = { index: -1, distance: Infinity, second: Infinity };

  let changed = 0;
  for (let i = from; i < to; i++) {
    const o = i * d;
    const own = labels[i] as number;
    if (own >= 0) {
      const bound = Math.max(half[own] as number, lower[i] as number);
      if ((upper[i] as number) <= bound) continue;
      upper[i] = Math.sqrt(sqDist(points, o, centers, own * d, d));
      if ((upper[i] as number) <= bound) continue;
    }
    search.nearest(points, o, true, found);
    if (found.index !== own) changed++;
    labels[i] = found.index;
    upper[i] = Math.sqrt(found.distance);
    lower[i] = Math.sqrt(found.second);
  }
  return changed;
}

/** Weighted sums and masses of points from..to-1 per cluster, added into `sums` and `mass`. */
export function accumulate(
  points: Float64Array,
  weights: Float64Array,
  d: number,
  labels: Int32Array,
  from: number,
  to: number,
  sums: Float64Array,
  mass: Float64Array,
): void {
  for (let i = from; i < to; i++) {
    const j = labels[i] as number;
    const w = weights[i] as number;
    mass[j] = (mass[j] as number) + w;
    for (let ch = 0; ch < d; ch++)
      sums[j * d + ch] = (sums[j * d + ch] as number) + w * (points[i * d + ch] as number);
  }
}

/** The centres moved: loosen the bounds of points from..to-1 by as much. */
export function loosenBounds(bounds: Bounds, drift: Drift, from: number, to: number): void {
  const { labels, upper, lower } = bounds;
  const { moved, most, mostJ, secondMost } = drift;
  for (let i = from; i < to; i++) {
    const j = labels[i] as number;
    upper[i] = (upper[i] as number) + (moved[j] as number);
    lower[i] = (lower[i] as number) - (j === mostJ ? secondMost : most);
  }
}
