import { convertBand, type Channels } from '../model/channels.js';
import type { Palette } from '../types.js';

/** The kept colours as fixed centres in the layout the image is fitted in. */
export function keptCentres(kept: Palette, fitChannels: Channels): Float64Array {
  const band = convertBand(
    { y: 0, height: 1, width: kept.size, channels: kept.channels, data: kept.colors },
    fitChannels,
  );
  return Float64Array.from(band.data);
}

/**
 * The image's exact colours with the kept colours it lacks added, when together they are no more
 * than k: then that is the palette, and nothing needs fitting.
 */
export function exactWithKept(
  points: ArrayLike<number>,
  count: number,
  fixed: Float64Array,
  d: number,
  k: number,
): Float64Array | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++)
    seen.add(Array.prototype.slice.call(points, i * d, i * d + d).join());
  const missing: number[] = [];
  for (let j = 0; j < fixed.length / d; j++) {
    const c = Array.from(fixed.subarray(j * d, j * d + d));
    if (!seen.has(c.join())) missing.push(...c);
  }
  if (count + missing.length / d > k) return undefined;
  const all = new Float64Array(count * d + missing.length);
  for (let i = 0; i < count * d; i++) all[i] = points[i] as number;
  all.set(missing, count * d);
  return all;
}
