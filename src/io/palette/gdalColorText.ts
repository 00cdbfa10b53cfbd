import type { Palette } from '../../types.js';
import {
  channelValue,
  numberedLines,
  paletteText,
  PaletteSyntaxError,
} from './PaletteSyntaxError.js';
import { paletteFromEntries, rgbaEntries, type RgbaEntry } from './rgbaEntries.js';

/**
 * GDAL's colour text, as `gdaldem color-relief` and `rgb2pct.py -pct` read it: `index r g b [a]`
 * per line, space-separated (GDAL's Python reader splits on the first space only).
 */
export function encodeGdalColorText(palette: Palette): string {
  const alpha = rgbaEntries(palette).some((e) => e.a !== 255);
  return rgbaEntries(palette)
    .map((e, i) => [i, e.r, e.g, e.b, ...(alpha ? [e.a] : [])].join(' ') + '\n')
    .join('');
}

/**
 * Reads `value r g b [a]` lines (separators: spaces, tabs, commas or colons, as gdaldem allows),
 * ordered by value. The nodata line (`nv`) and `#` comments are skipped; percentages and colour
 * names describe ramps, not palettes, and are refused.
 */
export function decodeGdalColorText(bytes: Uint8Array): Palette {
  const byValue: { value: number; entry: RgbaEntry; line: number }[] = [];
  for (const { line, text } of numberedLines(paletteText(bytes))) {
    const t = text.trim();
    if (t === '' || t.startsWith('#')) continue;
    const tokens = t.split(/[\s,:]+/);
    const key = tokens[0] as string;
    if (/^(nv|ndv)$/i.test(key)) continue;
    if (!/^-?\d+(\.\d+)?$/.test(key))
      throw new PaletteSyntaxError(`expected a number as the entry's value, found "${key}"`, line);
    if (tokens.length !== 4 && tokens.length !== 5)
      throw new PaletteSyntaxError(
        `expected "value r g b [a]", found ${tokens.length} fields`,
        line,
      );
    const value = Number(key);
    const twin = byValue.find((v) => v.value === value);
    if (twin)
      throw new PaletteSyntaxError(`value ${key} given twice (line ${twin.line} too)`, line);
    byValue.push({
      value,
      line,
      entry: {
        r: channelValue(tokens[1], 'red', line),
        g: channelValue(tokens[2], 'green', line),
        b: channelValue(tokens[3], 'blue', line),
        a: tokens.length === 5 ? channelValue(tokens[4], 'alpha', line) : 255,
      },
    });
  }
  if (byValue.length === 0) throw new PaletteSyntaxError('no colours');
  byValue.sort((x, y) => x.value - y.value);
  return paletteFromEntries(byValue.map((v) => v.entry));
}
