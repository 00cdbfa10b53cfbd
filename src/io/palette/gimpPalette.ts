import type { Palette } from '../../types.js';
import { paletteHex } from '../../model/palette.js';
import {
  channelValue,
  numberedLines,
  paletteText,
  PaletteSyntaxError,
} from './PaletteSyntaxError.js';
import { paletteFromEntries, rgbaEntries, type RgbaEntry } from './rgbaEntries.js';

/** GIMP's `.gpl` (also read by Inkscape, Krita, Aseprite): RGB only, one entry per line with a name. */
export function encodeGimpPalette(palette: Palette, title: string): string {
  const hex = paletteHex(palette);
  const lines = ['GIMP Palette', `Name: ${title.replace(/[\r\n]/g, ' ')}`, 'Columns: 16', '#'];
  rgbaEntries(palette).forEach((e, i) => {
    const rgb = [e.r, e.g, e.b].map((v) => String(v).padStart(3)).join(' ');
    lines.push(`${rgb}\t${i}: ${(hex[i] as string).slice(0, 7)}`);
  });
  return lines.join('\n') + '\n';
}

export function decodeGimpPalette(bytes: Uint8Array): Palette {
  const entries: RgbaEntry[] = [];
  let sawHeader = false;
  for (const { line, text } of numberedLines(paletteText(bytes))) {
    const t = text.trim();
    if (!sawHeader) {
      if (t === '') continue;
      if (t !== 'GIMP Palette')
        throw new PaletteSyntaxError('expected "GIMP Palette" as the first line', line);
      sawHeader = true;
      continue;
    }
    if (t === '' || t.startsWith('#') || /^(Name|Columns):/.test(t)) continue;
    const [r, g, b] = t.split(/\s+/);
    entries.push({
      r: channelValue(r, 'red', line),
      g: channelValue(g, 'green', line),
      b: channelValue(b, 'blue', line),
      a: 255,
    });
  }
  if (!sawHeader) throw new PaletteSyntaxError('empty file, expected "GIMP Palette"', 1);
  if (entries.length === 0) throw new PaletteSyntaxError('no colours');
  return paletteFromEntries(entries);
}
