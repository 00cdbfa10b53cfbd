import { statfs } from 'node:fs/promises';
import { GigaquantError } from '../errors.js';

/** Whether an error is a full disk (or quota), by code or by the words libvips uses for it. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  const message = err instanceof Error ? err.message : String(err);
  return /no space left|disk quota|ENOSPC|wbuffer_write|write failed/i.test(message);
}

/** Bytes a user may still write under `dir`, or undefined where the system cannot tell. */
async function bytesFree(dir: string): Promise<number | undefined> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before any work, to write `bytes` under `dir` when it has not room for them: a full
 * disk found hours into a run is found too late. Exit 4 (output), with both figures.
 */
export async function checkRoomFor(dir: string, bytes: number, what: string): Promise<void> {
  const free = await bytesFree(dir);
  if (free === undefined || free >= bytes) return;
  throw new GigaquantError(
    'E_OUTPUT',
    `${dir}: not enough free space for ${what}: needs ${formatBytes(bytes)}, has ${formatBytes(free)}; free some, or point --tmp-dir elsewhere`,
    { file: dir },
  );
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB (${n} bytes)`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB (${n} bytes)`;
  return `${n} bytes`;
}
