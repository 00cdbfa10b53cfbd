import { ExitCode } from '../errors.js';
import { tempRegistry } from '../runtime/tempRegistry.js';

/** How long work in flight gets to unwind after Ctrl-C before the process is forced out. */
const GRACE_MS = 3000;
/**
 * A terminal's Ctrl-C reaches the launcher and this process both, and the launcher forwards it:
 * signals this close together are one keypress, not a second request to force the exit.
 */
const SAME_KEYPRESS_MS = 500;

/**
 * Turns SIGINT/SIGTERM into an AbortSignal so work stops at the next band and cleans up. A second
 * signal, or work that cannot stop in time (libvips decoding a sequential file has no cancel),
 * forces the exit after removing every temporary file synchronously.
 */
export function abortOnSignals(onFirst?: () => void): AbortSignal {
  const controller = new AbortController();
  const force = (): never => {
    tempRegistry.removeAllSync();
    process.exit(ExitCode.interrupted);
  };
  let first = 0;
  const handler = (): void => {
    if (controller.signal.aborted) {
      if (Date.now() - first > SAME_KEYPRESS_MS) force();
      return;
    }
    first = Date.now();
    onFirst?.();
    controller.abort();
    setTimeout(force, GRACE_MS).unref();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}
