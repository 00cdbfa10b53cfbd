import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempRegistry } from '../runtime/tempRegistry.js';
import type { KeepOutput } from '../types.js';

export const TEMP_SUFFIX = '.gigaquant-tmp';
/** Spool folders are named `gigaquant-spool.<host>.<pid>-<random>`. */
export const SPOOL_PREFIX = 'gigaquant-spool.';
/** This machine's name as it appears in temporary names, so a sweep never touches another host's. */
export const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '-');

/** A private temporary directory under `parent` (e.g. for spooled images). */
export async function createTempDir(
  parent: string,
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(parent, `${SPOOL_PREFIX}${HOST}.${process.pid}-`));
  tempRegistry.add(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      tempRegistry.delete(path);
    },
  };
}

/**
 * An output written under a hidden temporary name in the same directory (so the final rename is
 * atomic on the same filesystem) and moved to `finalPath` only when complete.
 */
export interface AtomicOutput {
  readonly tempPath: string;
  readonly finalPath: string;
  /** Moves the file into place, unless `keep` says no (then it is dropped); true when moved. */
  commit(keep?: KeepOutput): Promise<boolean>;
  discard(): Promise<void>;
}

export function atomicOutput(finalPath: string): AtomicOutput {
  const tempPath = join(
    dirname(finalPath),
    `.${basename(finalPath)}.${HOST}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
  );
  tempRegistry.add(tempPath);
  return {
    tempPath,
    finalPath,
    async commit(keep) {
      if (keep && !(await keep(tempPath))) {
        await this.discard();
        return false;
      }
      await rename(tempPath, finalPath);
      tempRegistry.delete(tempPath);
      return true;
    },
    async discard() {
      await unlink(tempPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      tempRegistry.delete(tempPath);
    },
  };
}

/** Writes a whole (small) file under a temporary name, then renames it into place. */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const out = atomicOutput(path);
  try {
    await writeFile(out.tempPath, data);
    await out.commit();
  } catch (err) {
    await out.discard();
    throw err;
  }
}
