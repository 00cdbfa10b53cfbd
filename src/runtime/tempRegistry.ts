import { rmSync } from 'node:fs';

/**
 * Every temporary path this thread has created and not yet removed. It is process-wide on
 * purpose: when a second Ctrl-C forces the process out, normal unwinding never runs, and only a
 * synchronous removal of these paths keeps the promise of "no temp files left behind".
 */
class TempRegistry {
  private readonly live = new Set<string>();

  add(path: string): void {
    this.live.add(path);
  }

  delete(path: string): void {
    this.live.delete(path);
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
