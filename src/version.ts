import { createRequire } from 'node:module';

/**
 * The package version, read once from package.json so that it is never stated twice. Found by
 * the package's own name rather than a relative path, because the same module runs from
 * dist/version.js (the library) and from a chunk of the bundled command in dist/bin/.
 */
export const VERSION: string = (
  createRequire(import.meta.url)('gigaquant/package.json') as { version: string }
).version;
