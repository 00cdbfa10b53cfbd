import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { GigaquantError } from '../errors.js';
import { paletteHex } from '../model/palette.js';
import type { Palette } from '../types.js';
import { decodeNpy, encodeNpy } from './npy.js';
import { writeFileAtomically } from './tempFiles.js';

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

/**
 * Writes `<base>.json` (with `extra` fields) and `<base>.npy` (a size x channels uint8 array),
 * each atomically.
 */
export async function savePalette(
  palette: Palette,
  base: string,
  extra: Record<string, unknown> = {},
): Promise<{ json: string; npy: string }> {
  const files = { json: `${base}.json`, npy: `${base}.npy` };
  await writeFileAtomically(files.json, paletteToJson(palette, extra));
  await writeFileAtomically(
    files.npy,
    encodeNpy({ shape: [palette.size, palette.channels], data: palette.colors }),
  );
  return files;
}

/** Reads a palette from .json (as written by paletteToJson) or .npy (n x channels, uint8). */
export async function loadPalette(path: string): Promise<Palette> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GigaquantError(
      code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_UNREADABLE',
      code === 'ENOENT'
        ? `${path}: no such palette file`
        : `${path}: cannot read palette (${code ?? (err as Error).message})`,
      { file: path, cause: err },
    );
  }
  try {
    const palette =
      extname(path).toLowerCase() === '.npy'
        ? fromNpy(bytes)
        : // A byte that is not UTF-8 is damage, even inside a string JSON would accept.
          fromJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (palette.size < 1 || palette.channels < 1 || palette.channels > 4)
      throw new Error('need 1-4 channels and at least one colour');
    return palette;
  } catch (err) {
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: not a palette (${(err as Error).message})`,
      {
        file: path,
        cause: err,
      },
    );
  }
}

function fromNpy(bytes: Buffer): Palette {
  const { shape, data } = decodeNpy(bytes);
  if (!(data instanceof Uint8Array)) throw new Error('palette .npy must be uint8');
  return { size: shape[0], channels: shape[1], colors: data };
}

function fromJson(text: string): Palette {
  const parsed = JSON.parse(text) as { colors?: unknown };
  const colors = parsed.colors;
  if (!Array.isArray(colors) || colors.length === 0 || !Array.isArray(colors[0])) {
    throw new Error('expected "colors": [[r, g, b], ...]');
  }
  const channels = (colors[0] as unknown[]).length;
  const flat = new Uint8Array(colors.length * channels);
  colors.forEach((c: unknown, i) => {
    if (!Array.isArray(c) || c.length !== channels)
      throw new Error(`colour ${i} has not ${channels} values`);
    c.forEach((v: unknown, ch) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255)
        throw new Error(`colour ${i} has a value outside 0-255`);
      flat[i * channels + ch] = v;
    });
  });
  return { size: colors.length, channels, colors: flat };
}
