import { join, resolve } from 'node:path';
import { acquireLock } from '../batch/lock.js';
import { compactManifests, MANIFEST_NAME } from '../batch/manifest.js';
import { handleCliError } from './cliError.js';

/** `gigaquant merge <out-dir>`: folds the shards' manifest parts into the main manifest. */
export async function runMerge(outDir: string): Promise<number> {
  const dir = resolve(outDir);
  try {
    const lock = await acquireLock(join(dir, '.gigaquant.lock'));
    try {
      const count = await compactManifests(dir);
      process.stdout.write(`merged: ${count} inputs in ${join(dir, MANIFEST_NAME)}\n`);
      return 0;
    } finally {
      await lock.release();
    }
  } catch (err) {
    return handleCliError(err);
  }
}
