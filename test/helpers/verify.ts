import { expect } from 'vitest';
import { paletteRgba } from '../../src/model/palette.js';
import type { QuantizeResult } from '../../src/pipeline/quantizeFile.js';
import { tool } from './cli.js';
import { countDistinct, decodeRgba } from './images.js';
import { bruteForceNearest } from './oracle.js';

/** Per pixel, whether it holds no data: alpha 0, or every colour channel at `value`. */
async function nodataPixels(input: string, value: number | undefined): Promise<Uint8Array> {
  const src = await decodeRgba(input);
  const c = src.channels;
  const hasAlpha = c === 2 || c === 4;
  const colors = hasAlpha ? c - 1 : c;
  const n = src.width * src.height;
  const marks = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const o = p * c;
    const transparent = hasAlpha && src.data[o + c - 1] === 0;
    let atValue = value !== undefined;
    for (let ch = 0; atValue && ch < colors; ch++) atValue = src.data[o + ch] === value;
    marks[p] = transparent || atValue ? 1 : 0;
  }
  return marks;
}

/** The input's pixels in the layout the result says was clustered (grey, grey+alpha, RGB, RGBA). */
async function inputInPaletteLayout(input: string, channels: number): Promise<Uint8Array> {
  const src = await decodeRgba(input);
  const n = src.width * src.height;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const i = p * src.channels;
    const o = p * channels;
    if (channels <= 2) out[o] = src.data[i] as number;
    else for (let ch = 0; ch < 3; ch++) out[o + ch] = src.data[i + ch] as number;
    if (channels === 2 || channels === 4)
      out[o + channels - 1] = src.data[i + src.channels - 1] as number;
  }
  return out;
}

/**
 * Checks an output with independent decoders: libvips (via sharp) decodes it to the palette colour
 * that brute force says is nearest for every input pixel, it has at most k colours, the reported
 * MSE is exact, and pngcheck or tiffinfo accept the file.
 */
export async function verifyOutput(result: QuantizeResult, k: number): Promise<void> {
  const out = await decodeRgba(result.output);
  expect([out.width, out.height]).toEqual([result.width, result.height]);
  // k colours for the valid pixels, and one more for nodata where the image has it.
  const entries = k + (result.nodata ? 1 : 0);
  expect(countDistinct(out.data, out.channels)).toBeLessThanOrEqual(entries);
  expect(result.colors).toBeLessThanOrEqual(entries);

  const { palette, nodata } = result;
  const { rgb, alpha } = paletteRgba(palette);
  const input = await inputInPaletteLayout(result.input, palette.channels);
  const isNodata = nodata ? await nodataPixels(result.input, nodata.value) : undefined;
  // Valid pixels are matched among the fitted entries: all but the last (nodata) one.
  const fitted = nodata
    ? {
        ...palette,
        size: palette.size - 1,
        colors: palette.colors.subarray(0, (palette.size - 1) * palette.channels),
      }
    : palette;
  const n = result.width * result.height;
  let sse = 0;
  let valid = 0;
  let mismatches = 0;
  for (let p = 0; p < n; p++) {
    let index = nodata?.index ?? 0;
    if (!isNodata?.[p]) {
      const nearest = bruteForceNearest(fitted, input, p * palette.channels);
      index = nearest.index;
      sse += nearest.distance;
      valid++;
    }
    const o = p * out.channels;
    const same =
      out.data[o] === rgb[index * 3] &&
      out.data[o + 1] === rgb[index * 3 + 1] &&
      out.data[o + 2] === rgb[index * 3 + 2] &&
      (out.channels === 3 || out.data[o + 3] === (alpha ? alpha[index] : 255));
    if (!same) mismatches++;
  }
  expect(mismatches).toBe(0);
  expect(nodata?.pixels ?? 0).toBe(n - valid);
  expect(result.mse).toBe(valid > 0 ? sse / (valid * result.channels) : 0);

  if (result.format === 'png') {
    const check = tool('pngcheck', ['-q', result.output]);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
  } else {
    const info = tool('tiffinfo', [result.output]);
    expect(info.code).toBe(0);
    expect(info.out).toContain('palette color');
    // Indices in the fewest bits TIFF offers: 1, 2, 4, 8 or 16.
    const bits = [1, 2, 4, 8, 16].find((b) => palette.size <= 2 ** b);
    expect(info.out).toMatch(new RegExp(`Bits/Sample: ${bits}\\b`));
    expect(info.out).toContain('AdobeDeflate');
  }
}
