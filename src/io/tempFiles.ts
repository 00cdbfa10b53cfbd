import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { rmSync } from 'node:fs';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Every temporary path gigaquant has created and not yet removed. It is process-wide on purpose:
 * when a second Ctrl-C forces the process out, normal unwinding never runs, and only a synchronous
 * sweep of this set keeps the promise of "no temp files left behind".
 */
const live = new Set<string>();

export const TEMP_SUFFIX = '.gigaquant-tmp';
/** This machine's name as it appears in temporary names, so a sweep never touches another host's. */
export const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '-');

export function removeAllTempPathsSync(): void {
  for (const path of live) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Best effort on the way out: nothing else can be done here.
    }
  }
  live.clear();
}

/** A private temporary directory under `parent` (e.g. for spooled images). */
export async function createTempDir(
  parent: string,
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(parent, `gigaquant-${process.pid}-`));
  live.add(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      live.delete(path);
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
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export function atomicOutput(finalPath: string): AtomicOutput {
  const tempPath = join(
    dirname(finalPath),
    `.${basename(finalPath)}.${HOST}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
  );
  live.add(tempPath);
  return {
    tempPath,
    finalPath,
    async commit() {
      await rename(tempPath, finalPath);
      live.delete(tempPath);
    },
    async discard() {
      await unlink(tempPath).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      live.delete(tempPath);
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
