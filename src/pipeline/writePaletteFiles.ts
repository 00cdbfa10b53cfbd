import { unlink } from 'node:fs/promises';
import { writePaletteFile } from '../io/paletteFile.js';
import type { Palette } from '../types.js';

/**
 * Writes the palette files that go with an output just put in place. If one cannot be written,
 * the output and the palette files already written are removed: a job that asked for them gets
 * all or nothing. Returns what the formats could not hold, as warnings.
 */
export async function writePaletteFiles(
  palette: Palette,
  paths: readonly string[],
  title: string,
  outputs: readonly string[],
): Promise<string[]> {
  const warnings: string[] = [];
  const done: string[] = [];
  try {
    for (const path of paths) {
      warnings.push(...(await writePaletteFile(palette, path, title)));
      done.push(path);
    }
  } catch (err) {
    await Promise.all([...outputs, ...done].map((f) => unlink(f).catch(() => {})));
    throw err;
  }
  return warnings;
}
