import type { Palette } from '../../types.js';
import { paletteRgba } from '../../model/palette.js';

/** One palette entry as the RGB(A) tools see it. */
export interface RgbaEntry {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** The palette's entries as RGBA, grey spread to r = g = b, alpha 255 when it has none. */
export function rgbaEntries(palette: Palette): RgbaEntry[] {
  const { rgb, alpha } = paletteRgba(palette);
  const entries: RgbaEntry[] = [];
  for (let i = 0; i < palette.size; i++) {
    entries.push({
      r: rgb[i * 3] as number,
      g: rgb[i * 3 + 1] as number,
      b: rgb[i * 3 + 2] as number,
      a: alpha ? (alpha[i] as number) : 255,
    });
  }
  return entries;
}

/**
 * A palette from RGBA entries read from a file: grey (1 or 2 channels) when every entry has
 * r = g = b, so that a grey palette written to an RGB-only format comes back as it went; alpha
 * only when some entry is not opaque.
 */
export function paletteFromEntries(entries: readonly RgbaEntry[]): Palette {
  const grey = entries.every((e) => e.r === e.g && e.g === e.b);
  const alpha = entries.some((e) => e.a !== 255);
  const channels = (grey ? 1 : 3) + (alpha ? 1 : 0);
  const colors = new Uint8Array(entries.length * channels);
  entries.forEach((e, i) => {
    const values = grey ? [e.r] : [e.r, e.g, e.b];
    if (alpha) values.push(e.a);
    colors.set(values, i * channels);
  });
  return { size: entries.length, channels, colors };
}
