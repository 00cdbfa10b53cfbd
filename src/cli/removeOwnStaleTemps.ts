import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { removeStaleTemps } from '../io/staleTemps.js';

/**
 * What an earlier run of this host, killed with -9, left beside `output` and in the temp folder:
 * removed before a command starts, as batch does for its output folder. Best effort: a folder
 * that cannot be read is the command's own error to report.
 */
export async function removeOwnStaleTemps(
  output: string | undefined,
  tmpDir?: string,
): Promise<void> {
  await removeStaleTemps(
    output ? dirname(resolve(output)) : (tmpDir ?? tmpdir()),
    tmpDir ?? tmpdir(),
    {
      recursive: false,
    },
  ).catch(() => 0);
}
