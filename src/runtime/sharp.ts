import { createRequire } from 'node:module';
import type SharpModule from 'sharp';

/**
 * sharp, loaded through its CommonJS entry. Its ES module entry is a graph of .mjs files that
 * Node 20 resolves and links one by one, which costs about 75 ms at every start, a third of a
 * small image's whole run (11 paired whole-process runs, medians: `import('sharp')` 0.255 s,
 * `require('sharp')` 0.179 s). Both entries are the same code over the same libvips.
 */
const sharp = createRequire(import.meta.url)('sharp') as typeof SharpModule;

export default sharp;
export type { Sharp } from 'sharp';
