import { loadPalette } from '../io/paletteFile.js';
import { paletteFormatOf } from '../io/palette/paletteFormats.js';
import { parseColorList } from '../io/palette/colorList.js';
import type { Palette } from '../types.js';

/** --keep-colors: a palette file (any format --palette reads), or a list of hex colours. */
export async function keptColorsArg(value: string | undefined): Promise<Palette | undefined> {
  if (value === undefined) return undefined;
  return paletteFormatOf(value) ? loadPalette(value) : parseColorList(value);
}
