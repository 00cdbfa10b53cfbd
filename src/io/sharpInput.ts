import sharp, { type Sharp } from 'sharp';

/**
 * How gigaquant opens every input with sharp. libvips' pixel limit is off on purpose: gigapixel
 * images are the point, and `maxPixels` (checked in probeImage) is the guard instead. `error`
 * rejects truncated and corrupt pixel data without failing on harmless warnings such as the
 * unknown private tags of GeoTIFFs.
 */
export const SHARP_INPUT_OPTIONS = { limitInputPixels: false, failOn: 'error' } as const;

export function openWithSharp(path: string): Sharp {
  return sharp(path, SHARP_INPUT_OPTIONS);
}
