import type { RowBand } from '../types.js';
import { hasAlphaChannel } from './channels.js';

/**
 * Which pixels hold no data: those of colour `color` (one value per colour channel, or one for
 * all: GDAL's rule for a nodata value on every band), and, with `transparent`, those with alpha 0.
 * `value` is the nodata value the input declared, which outputs reuse.
 */
export interface NodataRule {
  value: number | undefined;
  color?: readonly number[];
  transparent: boolean;
}

/**
 * Marks the band's nodata pixels in `mask` (1 = nodata, one byte per pixel, at least as long as
 * the band's pixels) and returns how many there are.
 */
export function markNodata(band: RowBand, rule: NodataRule, mask: Uint8Array): number {
  const c = band.channels;
  const alpha = hasAlphaChannel(c);
  const colors = alpha ? c - 1 : c;
  const { data } = band;
  const pixels = band.width * band.height;
  const color = nodataColor(rule, colors);
  const transparent = rule.transparent && alpha;
  let count = 0;
  for (let i = 0, o = 0; i < pixels; i++, o += c) {
    let nodata = transparent && data[o + c - 1] === 0;
    if (!nodata && color !== undefined) {
      nodata = true;
      for (let ch = 0; ch < colors; ch++)
        if (data[o + ch] !== color[ch]) {
          nodata = false;
          break;
        }
    }
    mask[i] = nodata ? 1 : 0;
    if (nodata) count++;
  }
  return count;
}

/** The band's pixels that are not marked, as a one-row band (what pass 1 counts and samples). */
export function validPixels(band: RowBand, mask: Uint8Array, nodata: number): RowBand {
  const c = band.channels;
  const pixels = band.width * band.height;
  const out = new Uint8Array((pixels - nodata) * c);
  let o = 0;
  for (let i = 0; i < pixels; i++) {
    if (mask[i]) continue;
    for (let ch = 0; ch < c; ch++) out[o++] = band.data[i * c + ch] as number;
  }
  return { y: band.y, height: 1, width: pixels - nodata, channels: c, data: out };
}

/** True when some pixel's alpha is neither 0 nor 255: translucency no nodata rule covers. */
export function hasPartialAlpha(band: RowBand): boolean {
  const c = band.channels;
  if (!hasAlphaChannel(c)) return false;
  for (let i = c - 1; i < band.data.length; i += c) {
    const a = band.data[i] as number;
    if (a !== 0 && a !== 255) return true;
  }
  return false;
}

/** The colour of nodata pixels in a layout of `colors` colour channels, if the rule has one. */
function nodataColor(rule: NodataRule, colors: number): readonly number[] | undefined {
  const given = rule.color ?? (rule.value === undefined ? undefined : [rule.value]);
  if (!given) return undefined;
  if (given.length === colors) return given;
  // One value for every channel, or an RGB colour a grey band shows as its grey (if it is one).
  if (given.length === 1) return new Array<number>(colors).fill(given[0] as number);
  return given.every((v) => v === given[0]) ? [given[0] as number] : [-1];
}
