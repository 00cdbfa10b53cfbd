import { rmSync } from 'node:fs';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

/** Worker threads tell the main thread of their temporary paths on this channel. */
const CHANNEL = 'gigaquant-temp-paths';

interface TempMessage {
  op: 'add' | 'delete';
  path: string;
}

/**
 * Every temporary path of this process not yet removed, whichever thread made it. It is
 * process-wide on purpose: when a second Ctrl-C forces the process out, normal unwinding never
 * runs, and only a synchronous removal of these paths, on the main thread, keeps the promise of
 * "no temp files left behind". Worker threads (a batch's files) report theirs to it.
 */
class TempRegistry {
  private readonly live = new Set<string>();
  private readonly channel = new BroadcastChannel(CHANNEL);

  constructor() {
    if (isMainThread) {
      this.channel.onmessage = (event: unknown) => {
        const { op, path } = (event as { data: TempMessage }).data;
        if (op === 'add') this.live.add(path);
        else this.live.delete(path);
      };
    }
    // Never keeps the process alive on its own.
    this.channel.unref();
  }

  add(path: string): void {
    this.live.add(path);
    if (!isMainThread) this.channel.postMessage({ op: 'add', path } satisfies TempMessage);
  }

  delete(path: string): void {
    this.live.delete(path);
    if (!isMainThread) this.channel.postMessage({ op: 'delete', path } satisfies TempMessage);
  }

  /** Whether `path` is registered (by this thread, or by a worker if this is the main thread). */
  has(path: string): boolean {
    return this.live.has(path);
  }

  /** Removes every path still registered, synchronously: for the way out of the process. */
  removeAllSync(): void {
    for (const path of this.live) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch {
        // Best effort on the way out: nothing else can be done here.
      }
    }
    this.live.clear();
  }
}

export const tempRegistry = new TempRegistry();
