// Runs the CLI bundle once on the command line it is given (config/bundle.js gives it a small
// compress), then writes its code cache: the cache then holds what a run compiles, not only the
// bundle's top level (src/cli/cliBundle.ts).
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE, runCliBundle, writeCodeCache } from '../dist/cli/cliBundle.js';

const bundle = fileURLToPath(new URL(`../dist/bin/${CLI_BUNDLE}`, import.meta.url));
const script = runCliBundle(bundle);
process.on('exit', (code) => {
  if (code === 0) writeCodeCache(bundle, script);
});
