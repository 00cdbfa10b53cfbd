import sharp, { type Sharp } from '../runtime/sharp.js';

/**
 * How gigaquant opens an input's header with sharp. libvips' pixel limit is off on purpose:
 * gigapixel images are the point, and `maxPixels` (checked in probeImage) is the guard instead.
 * `error` rejects truncated and corrupt data without failing on harmless header warnings such as
 * the unknown private tags of GeoTIFFs.
 */
export const SHARP_INPUT_OPTIONS = { limitInputPixels: false, failOn: 'error' } as const;

export function openWithSharp(path: string, options: { page?: number } = {}): Sharp {
  return sharp(path, { ...SHARP_INPUT_OPTIONS, ...(options.page ? { page: options.page } : {}) });
}

/**
 * How bands of pixels are read from a random-access file (a TIFF, or gigaquant's own spool).
 * libvips reports a tile or strip that fails to decode only as a warning, and fills it with
 * black: reading in bands must never be more forgiving than decoding the whole file, so any
 * warning while pixels are read fails the read.
 */
export function openPixels(path: string, page?: number): Sharp {
  return sharp(path, { limitInputPixels: false, failOn: 'warning', ...(page ? { page } : {}) });
}
