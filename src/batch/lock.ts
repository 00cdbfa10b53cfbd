import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { GigaquantError } from '../errors.js';
import { processExists } from '../io/processExists.js';

/** How often a running batch touches its lock, and how old a touch must be to count as dead. */
const HEARTBEAT_MS = 10_000;
const STALE_AFTER_MS = 60_000;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One run at a time per output folder (per shard): an exclusive-create lock file naming its owner.
 * A lock whose owner is gone is taken over: on this host when its process no longer exists (a run
 * killed with -9), from another host when its heartbeat is older than a minute.
 */
export async function acquireLock(path: string): Promise<HeldLock> {
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(JSON.stringify(me) + '\n');
      await file.close();
      return heartbeat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new GigaquantError(
          'E_OUTPUT',
          `${path}: cannot create lock (${(err as Error).message})`,
          { file: path, cause: err },
        );
      }
    }
    const owner = await readOwner(path);
    if (owner && !(await isStale(path, owner))) {
      throw new GigaquantError(
        'E_LOCKED',
        `${path}: another gigaquant run (pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}) is using this output folder; wait for it, or remove the lock if you are sure it is gone`,
        { file: path },
      );
    }
    await unlink(path).catch(() => {});
  }
  throw new GigaquantError('E_LOCKED', `${path}: could not take over a stale lock`, { file: path });
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined; // Being written right now, or garbage: judged by its age below.
  }
}

async function isStale(path: string, owner: LockOwner | undefined): Promise<boolean> {
  if (owner && owner.host === hostname()) return !processExists(owner.pid);
  const st = await stat(path).catch(() => undefined);
  return !st || Date.now() - st.mtimeMs > STALE_AFTER_MS;
}

function heartbeat(path: string): HeldLock {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await unlink(path).catch(() => {});
    },
  };
}
