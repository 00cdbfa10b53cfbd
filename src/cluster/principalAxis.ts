/**
 * Searches for a nearest centre sort the centres along one axis and stop once the gap along it
 * exceeds the best distance; the axis of greatest spread makes that stop come soonest.
 */

/** Unit vector of greatest weighted spread (power iteration on the weighted covariance). */
export function principalAxis(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
): Float64Array {
  const mean = new Float64Array(d);
  let mass = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    mass += w;
    for (let ch = 0; ch < d; ch++)
      mean[ch] = (mean[ch] as number) + w * (points[i * d + ch] as number);
  }
  for (let ch = 0; ch < d; ch++) mean[ch] = (mean[ch] as number) / mass;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    for (let a = 0; a < d; a++) {
      const da = (points[i * d + a] as number) - (mean[a] as number);
      for (let b = 0; b < d; b++)
        cov[a * d + b] =
          (cov[a * d + b] as number) +
          w * da * ((points[i * d + b] as number) - (mean[b] as number));
    }
  }
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  for (let iter = 0; iter < 50; iter++) {
    const next = new Float64Array(d);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        next[a] = (next[a] as number) + (cov[a * d + b] as number) * (v[b] as number);
    const norm = Math.hypot(...next);
    if (!(norm > 0)) break;
    for (let a = 0; a < d; a++) next[a] = (next[a] as number) / norm;
    v = next;
  }
  return v;
}
