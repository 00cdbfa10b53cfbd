import type { ColorHistogram } from '../cluster/ColorHistogram.js';
import { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
import type { ColorSpace, Palette } from '../types.js';
import { psnrFromMse } from './stats.js';

/**
 * PSNR of a palette over every pixel a histogram counted: each distinct colour is mapped to its
 * nearest entry, its error weighted by its count. Exact, and no pass over the image.
 */
export function histogramPsnr(
  histogram: ColorHistogram,
  palette: Palette,
  space: ColorSpace,
): number {
  const { colors, weights, count } = histogram.entries();
  const c = histogram.channels;
  const pc = palette.channels;
  const matcher = new NearestColorMatcher(palette, space);
  const pixel = new Uint8Array(pc);
  let sse = 0;
  let pixels = 0;
  for (let i = 0; i < count; i++) {
    // Histogram colours have no alpha; a palette with alpha here has it opaque.
    for (let ch = 0; ch < pc; ch++) pixel[ch] = ch < c ? (colors[i * c + ch] as number) : 255;
    const index = matcher.lookup(pixel, 0);
    let d = 0;
    for (let ch = 0; ch < pc; ch++)
      d += ((pixel[ch] as number) - (palette.colors[index * pc + ch] as number)) ** 2;
    sse += (weights[i] as number) * d;
    pixels += weights[i] as number;
  }
  return psnrFromMse(sse / (pixels * pc));
}
