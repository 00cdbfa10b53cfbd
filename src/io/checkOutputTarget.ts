import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { GigaquantError, usageError } from '../errors.js';

/**
 * Fails fast, before hours of reading, when the output cannot be written: its folder is missing
 * or not writable, it names a directory, or writing it (or `sideOutputs`, such as a codebook)
 * would replace one of the inputs, by whatever path: the same file is known by its device and
 * inode, so symbolic links (to the file or to a folder on its path) and hard links are seen
 * through.
 */
export async function checkOutputTarget(
  inputs: readonly string[],
  outputPath: string,
  sideOutputs: readonly string[] = [],
): Promise<void> {
  await checkNotAnInput(inputs, [outputPath, ...sideOutputs]);
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

async function checkNotAnInput(
  inputs: readonly string[],
  outputs: readonly string[],
): Promise<void> {
  const inputStats = (await Promise.all(inputs.map((i) => stat(i).catch(() => undefined)))).filter(
    (st): st is Stats => st !== undefined,
  );
  for (const output of outputs) {
    const same = (st: Stats | undefined): boolean =>
      st !== undefined && inputStats.some((i) => i.dev === st.dev && i.ino === st.ino);
    if (
      inputs.some((i) => resolve(i) === resolve(output)) ||
      same(await stat(output).catch(() => undefined))
    ) {
      throw usageError(
        `${output}: writing it would replace an input (the same file, by another path or link); choose another output name`,
      );
    }
  }
}
