import type { Palette } from '../types.js';
import { hasAlphaChannel } from './channels.js';

/**
 * Turns centres (or exact colours) into a palette: rounded to 8 bits, duplicates merged, and sorted
 * into a stable order: translucent entries first (so PNG's tRNS chunk can stop early), then dark
 * to light, then by channel values.
 */
export function paletteFromColors(values: ArrayLike<number>, channels: number): Palette {
  const count = Math.floor(values.length / channels);
  const unique = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const color = new Uint8Array(channels);
    for (let ch = 0; ch < channels; ch++) {
      const v = Math.round(values[i * channels + ch] as number);
      color[ch] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    const key = packColor(color, 0, channels);
    if (!unique.has(key)) unique.set(key, color);
  }
  const sorted = [...unique.values()].sort((a, b) => compareColors(a, b, channels));
  const colors = new Uint8Array(sorted.length * channels);
  sorted.forEach((color, i) => colors.set(color, i * channels));
  return { size: sorted.length, channels, colors };
}

function compareColors(a: Uint8Array, b: Uint8Array, channels: number): number {
  if (hasAlphaChannel(channels)) {
    const byAlpha = (a[channels - 1] as number) - (b[channels - 1] as number);
    if (byAlpha !== 0) return byAlpha;
  }
  const byLuma = luma(a, channels) - luma(b, channels);
  if (byLuma !== 0) return byLuma;
  for (let ch = 0; ch < channels; ch++) {
    const d = (a[ch] as number) - (b[ch] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Rec. 601 luma in integer units; grey images have one colour channel. */
function luma(c: Uint8Array, channels: number): number {
  if (channels <= 2) return (c[0] as number) * 1000;
  return 299 * (c[0] as number) + 587 * (c[1] as number) + 114 * (c[2] as number);
}

/** The palette as RGB(A) triplets for writers: grey entries are spread to r = g = b. */
export function paletteRgba(palette: Palette): { rgb: Uint8Array; alpha: Uint8Array | undefined } {
  const { size, channels, colors } = palette;
  const rgb = new Uint8Array(size * 3);
  const alpha = hasAlphaChannel(channels) ? new Uint8Array(size) : undefined;
  for (let i = 0; i < size; i++) {
    const o = i * channels;
    if (channels <= 2) {
      rgb.fill(colors[o] as number, i * 3, i * 3 + 3);
    } else {
      rgb[i * 3] = colors[o] as number;
      rgb[i * 3 + 1] = colors[o + 1] as number;
      rgb[i * 3 + 2] = colors[o + 2] as number;
    }
    if (alpha) alpha[i] = colors[o + channels - 1] as number;
  }
  return { rgb, alpha };
}

/** A colour of up to 4 channels as one unsigned 32-bit number, channel 0 in the low byte. */
export function packColor(data: Uint8Array, offset: number, channels: number): number {
  let key = 0;
  for (let ch = channels - 1; ch >= 0; ch--) key = key * 256 + (data[offset + ch] as number);
  return key;
}

/**
 * Each entry as CSS hex: `#rrggbb`, or `#rrggbbaa` with alpha; grey entries are spread to
 * r = g = b, so that every reader (browsers, GIMP, GDAL) sees the colour the image shows.
 */
export function paletteHex(palette: Palette): string[] {
  const { rgb, alpha } = paletteRgba(palette);
  const hex: string[] = [];
  for (let i = 0; i < palette.size; i++) {
    const bytes = [...rgb.subarray(i * 3, i * 3 + 3), ...(alpha ? [alpha[i] as number] : [])];
    hex.push('#' + bytes.map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return hex;
}

/** Each entry as 4 bytes of RGBA (grey spread to r = g = b; opaque without alpha). */
export function paletteAsRgba(palette: Palette): Uint8Array {
  const { rgb, alpha } = paletteRgba(palette);
  const out = new Uint8Array(palette.size * 4);
  for (let i = 0; i < palette.size; i++) {
    out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    out[i * 4 + 3] = alpha ? (alpha[i] as number) : 255;
  }
  return out;
}

/** Indices as the RGBA of their entries (`rgba` from paletteAsRgba), 4 bytes per pixel. */
export function indicesToRgba(indices: Uint8Array | Uint16Array, rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array(indices.length * 4);
  for (let i = 0; i < indices.length; i++) {
    const e = (indices[i] as number) * 4;
    out.set(rgba.subarray(e, e + 4), i * 4);
  }
  return out;
}
