import type { Palette } from '../../types.js';
import { paletteHex } from '../../model/palette.js';
import { paletteText, PaletteSyntaxError } from './PaletteSyntaxError.js';

/**
 * A palette as JSON: `{ "size", "channels", "colors": [[r, g, b], ...], "hex": [...] }`, channels
 * 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
 */
export function paletteToJson(palette: Palette, extra: Record<string, unknown> = {}): string {
  const colors: number[][] = [];
  for (let i = 0; i < palette.size; i++)
    colors.push(
      Array.from(palette.colors.subarray(i * palette.channels, (i + 1) * palette.channels)),
    );
  return (
    JSON.stringify(
      {
        size: palette.size,
        channels: palette.channels,
        colors,
        hex: paletteHex(palette),
        ...extra,
      },
      null,
      1,
    ) + '\n'
  );
}

export function decodeJsonPalette(bytes: Uint8Array): Palette {
  const text = paletteText(bytes);
  let parsed: { colors?: unknown };
  try {
    parsed = JSON.parse(text) as { colors?: unknown };
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new PaletteSyntaxError(`not JSON (${message})`, line);
  }
  const colors = parsed.colors;
  if (!Array.isArray(colors) || colors.length === 0 || !Array.isArray(colors[0]))
    throw new PaletteSyntaxError('expected "colors": [[r, g, b], ...]');
  const channels = (colors[0] as unknown[]).length;
  const flat = new Uint8Array(colors.length * channels);
  colors.forEach((c: unknown, i) => {
    if (!Array.isArray(c) || c.length !== channels)
      throw new PaletteSyntaxError(`colour ${i} has not ${channels} values`);
    c.forEach((v: unknown, ch) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255)
        throw new PaletteSyntaxError(`colour ${i} has a value outside 0-255`);
      flat[i * channels + ch] = v;
    });
  });
  return { size: colors.length, channels, colors: flat };
}
