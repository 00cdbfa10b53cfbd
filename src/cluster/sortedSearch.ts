/**
 * The first index i < n of `sorted` (ascending) with sorted[i] >= value, or with
 * sorted[i] > value when `strictly`; n when there is none.
 */
export function firstAtOrAbove(
  sorted: ArrayLike<number>,
  n: number,
  value: number,
  strictly = false,
): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as number;
    if (strictly ? v <= value : v < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
