import type { IndexBand, Palette } from '../types.js';

/**
 * What an output file stores per pixel:
 * - `index`: the palette index (palette images, and label images), 8 bits up to 256 entries and
 *   16 bits above;
 * - `color`: the palette colour itself, `palette.channels` 8-bit samples (quantized RGB output).
 */
export type PixelLayout =
  { kind: 'index'; bits: 8 | 16 } | { kind: 'color'; channels: number; palette: Palette };

export function indexLayout(paletteSize: number): PixelLayout {
  return { kind: 'index', bits: paletteSize > 256 ? 16 : 8 };
}

export function colorLayout(palette: Palette): PixelLayout {
  return { kind: 'color', channels: palette.channels, palette };
}

export function bytesPerPixel(layout: PixelLayout): number {
  return layout.kind === 'index' ? layout.bits / 8 : layout.channels;
}

/**
 * The band's pixels as the file stores them, row after row with no padding. 16-bit indices in the
 * byte order asked for (PNG is big-endian; gigaquant's TIFFs and .npy are little-endian).
 */
export function bandBytes(band: IndexBand, layout: PixelLayout, littleEndian: boolean): Uint8Array {
  const { indices } = band;
  const pixels = band.width * band.height;
  if (layout.kind === 'index') {
    if (layout.bits === 8) {
      if (indices instanceof Uint8Array) return indices.subarray(0, pixels);
      return Uint8Array.from(indices.subarray(0, pixels));
    }
    const out = Buffer.alloc(pixels * 2);
    for (let p = 0; p < pixels; p++) {
      if (littleEndian) out.writeUInt16LE(indices[p] as number, p * 2);
      else out.writeUInt16BE(indices[p] as number, p * 2);
    }
    return out;
  }
  const { channels, palette } = layout;
  const colors = palette.colors;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0, o = 0; p < pixels; p++) {
    const c = (indices[p] as number) * channels;
    for (let ch = 0; ch < channels; ch++) out[o++] = colors[c + ch] as number;
  }
  return out;
}
