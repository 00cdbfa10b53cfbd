import type { Palette } from '../../src/types.js';

/** The obvious nearest-colour search: every entry, lowest index on ties. The oracle for fast paths. */
export function bruteForceNearest(
  palette: Palette,
  data: Uint8Array,
  offset: number,
): { index: number; distance: number } {
  const c = palette.channels;
  let best = Infinity;
  let index = 0;
  for (let i = 0; i < palette.size; i++) {
    let d = 0;
    for (let ch = 0; ch < c; ch++) {
      const diff = (data[offset + ch] as number) - (palette.colors[i * c + ch] as number);
      d += diff * diff;
    }
    if (d < best) {
      best = d;
      index = i;
    }
  }
  return { index, distance: best };
}

/** Weighted squared distance of every point to its nearest centre, by brute force. */
export function bruteInertia(
  points: Float64Array,
  weights: Float64Array,
  centers: Float64Array,
  d: number,
): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    let best = Infinity;
    for (let j = 0; j < centers.length / d; j++) {
      let s = 0;
      for (let ch = 0; ch < d; ch++)
        s += ((points[i * d + ch] as number) - (centers[j * d + ch] as number)) ** 2;
      best = Math.min(best, s);
    }
    total += (weights[i] as number) * best;
  }
  return total;
}
