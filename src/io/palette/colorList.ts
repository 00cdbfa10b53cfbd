import { usageError } from '../../errors.js';
import type { Palette } from '../../types.js';
import { paletteFromEntries, type RgbaEntry } from './rgbaEntries.js';

/**
 * Colours written as CSS hex, separated by commas or spaces: `#rrggbb`, `#rrggbbaa`, or `#rgb`
 * (the `#` may be left out, for shells where it starts a comment). A malformed one is a usage
 * error naming it.
 */
export function parseColorList(list: string): Palette {
  const tokens = list.split(/[\s,]+/).filter((t) => t !== '');
  if (tokens.length === 0)
    throw usageError('Expected colours such as #ff0000,#00ff00 but received none');
  const entries: RgbaEntry[] = tokens.map((token) => {
    const hex = token.replace(/^#/, '');
    const full = /^[0-9a-fA-F]{3}$/.test(hex) ? [...hex].map((c) => c + c).join('') : hex;
    if (!/^([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/.test(full))
      throw usageError(`"${token}" is not a colour: expected #rrggbb, #rrggbbaa or #rgb`);
    const byte = (i: number): number => parseInt(full.slice(i * 2, i * 2 + 2), 16);
    return { r: byte(0), g: byte(1), b: byte(2), a: full.length === 8 ? byte(3) : 255 };
  });
  return paletteFromEntries(entries);
}
