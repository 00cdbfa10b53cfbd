import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The JavaScript of a worker thread's script, given its URL beside the calling module, or
 * undefined when there is none: run from TypeScript sources (the unit tests) a module sits in
 * src/ beside .ts files only, and a worker cannot run those. Callers then do without the thread.
 */
export function builtScript(url: URL): URL | undefined {
  return existsSync(fileURLToPath(url)) ? url : undefined;
}
