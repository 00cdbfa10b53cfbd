import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GigaquantError, usageError } from '../errors.js';

/**
 * Fails fast, before hours of reading, when the output cannot be written: its folder is missing
 * or not writable, it names a directory, or it would replace the input.
 */
export async function checkOutputTarget(inputPath: string, outputPath: string): Promise<void> {
  if (resolve(inputPath) === resolve(outputPath)) {
    throw usageError(`${outputPath}: output would replace the input; choose another output name`);
  }
  const dir = dirname(resolve(outputPath));
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error('not a directory');
    await access(dir, constants.W_OK);
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `is not writable (${(err as Error).message})`;
    throw new GigaquantError('E_OUTPUT', `${outputPath}: output folder ${dir} ${reason}`, {
      file: outputPath,
      cause: err,
    });
  }
  const existing = await stat(outputPath).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new GigaquantError(
      'E_OUTPUT',
      `${outputPath}: is a directory; give a file name ending in .png, .tif or .tiff`,
      {
        file: outputPath,
      },
    );
  }
}
