import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST, TEMP_SUFFIX } from '../io/tempFiles.js';
import { processExists } from './lock.js';

/**
 * Removes what runs killed with -9 left behind: temporary outputs of this host under `outDir`
 * (`.<name>.<host>.<pid>.<random>.gigaquant-tmp`) and spool folders in `tmpDir`
 * (`gigaquant-<pid>-<random>`) whose process no longer exists. Returns how many were removed.
 */
export async function removeStaleTemps(outDir: string, tmpDir: string): Promise<number> {
  let removed = 0;
  const outputs = await readdir(outDir, { recursive: true }).catch(() => [] as string[]);
  const ownTemp = new RegExp(`\\.${HOST}\\.(\\d+)\\.[0-9a-f]+${TEMP_SUFFIX.replace('.', '\\.')}$`);
  for (const rel of outputs) {
    const pid = ownTemp.exec(rel)?.[1];
    if (pid && !processExists(Number(pid))) {
      await rm(join(outDir, rel), { force: true });
      removed++;
    }
  }
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const pid = /^gigaquant-(\d+)-/.exec(name)?.[1];
    if (pid && !processExists(Number(pid))) {
      await rm(join(tmpDir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
