import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processExists } from './processExists.js';
import { HOST, SPOOL_PREFIX, TEMP_SUFFIX } from './tempFiles.js';

const OWN_TEMP_OUTPUT = new RegExp(
  `\\.${HOST}\\.(\\d+)\\.[0-9a-f]+${TEMP_SUFFIX.replace('.', '\\.')}$`,
);
const SPOOL = new RegExp(`^${SPOOL_PREFIX.replace('.', '\\.')}([A-Za-z0-9-]+)\\.(\\d+)-`);

/**
 * Removes what runs killed with -9 left behind: temporary outputs of this host in `outDir`
 * (`.<name>.<host>.<pid>.<random>.gigaquant-tmp`; in its subfolders too with `recursive`) and
 * spool folders of this host in `tmpDir` (`gigaquant-spool.<host>.<pid>-<random>`), whose process
 * no longer exists. Another host's files are never touched: several machines may share a folder.
 * Returns how many were removed.
 */
export async function removeStaleTemps(
  outDir: string,
  tmpDir: string,
  options: { recursive: boolean },
): Promise<number> {
  let removed = 0;
  const outputs = await readdir(outDir, { recursive: options.recursive }).catch(
    () => [] as string[],
  );
  for (const rel of outputs) {
    const pid = OWN_TEMP_OUTPUT.exec(rel)?.[1];
    if (pid && !processExists(Number(pid))) {
      await rm(join(outDir, rel), { force: true });
      removed++;
    }
  }
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    const m = SPOOL.exec(name);
    if (m && m[1] === HOST && !processExists(Number(m[2]))) {
      await rm(join(tmpDir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
