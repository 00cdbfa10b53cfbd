import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { GigaquantError } from '../errors.js';
import type { Palette } from '../types.js';
import { encodeNpy } from './npy.js';
import { paletteToJson } from './palette/jsonPalette.js';
import {
  decodePalette,
  encodePalette,
  PALETTE_FORMATS,
  paletteFormatOf,
} from './palette/paletteFormats.js';
import { PaletteSyntaxError } from './palette/PaletteSyntaxError.js';
import { writeFileAtomically } from './tempFiles.js';

export { paletteToJson } from './palette/jsonPalette.js';

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

/**
 * Writes the palette to `path` atomically, in the format its extension names (.json, .npy, .gpl,
 * .act, .txt, .qml). Returns what the format could not hold (e.g. alpha in a .gpl), as warnings.
 */
export async function writePaletteFile(
  palette: Palette,
  path: string,
  title: string,
): Promise<string[]> {
  const format = paletteFormatOf(path);
  if (!format)
    throw new GigaquantError('E_USAGE', `${path}: not a palette file name (${formatList()})`);
  let encoded;
  try {
    encoded = encodePalette(format, palette, title);
  } catch (err) {
    throw new GigaquantError('E_OUTPUT', `${path}: ${(err as Error).message}`, { file: path });
  }
  try {
    await writeFileAtomically(path, encoded.bytes);
  } catch (err) {
    throw new GigaquantError(
      'E_OUTPUT',
      `${path}: cannot write palette (${(err as Error).message})`,
      {
        file: path,
        cause: err,
      },
    );
  }
  return encoded.lost.map((l) => `${basename(path)}: ${l}`);
}

/** The palette file extensions, for messages. */
export function formatList(): string {
  return PALETTE_FORMATS.map((f) => `.${f}`).join(', ');
}

/**
 * Reads a palette from any format writePaletteFile writes (and QGIS .qlr). A file that is not a
 * palette is an input error naming the file and, for text formats, the line.
 */
export async function loadPalette(path: string): Promise<Palette> {
  const format = paletteFormatOf(path);
  if (!format)
    throw new GigaquantError('E_USAGE', `${path}: not a palette file name (${formatList()})`, {
      file: path,
    });
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
    return decodePalette(format, bytes);
  } catch (err) {
    const line = err instanceof PaletteSyntaxError && err.line ? `:${err.line}` : '';
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}${line}: not a palette (${(err as Error).message})`,
      {
        file: path,
        cause: err,
      },
    );
  }
}
