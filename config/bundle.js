// Bundles the command-line tool into dist/bin/: a handful of files instead of the hundred-odd
// ES modules of our code, yargs and its helpers, which Node 20 would otherwise resolve, read and
// link one by one at every start (a third of a small image's run). The library (dist/index.js)
// stays as tsc writes it, for callers who bundle or tree-shake it themselves.
//
// Workers and the CLI's child process are found beside the module that starts them
// (new URL('./x.js', import.meta.url)), so each is an entry point of its own in the same folder;
// dist/bin/ sits as deep as dist/runtime/, so ../../native/kernels.wasm resolves the same.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
// Chunk names carry a hash of their content: a rebuild would leave the old ones beside the new.
rmSync(new URL('dist/bin/', root), { recursive: true, force: true });

await build({
  absWorkingDir: root.pathname,
  entryPoints: {
    bin: 'src/cli/bin.ts',
    main: 'src/cli/main.ts',
    quantizeWorker: 'src/batch/quantizeWorker.ts',
    lloydPartnerWorker: 'src/cluster/kernels/lloydPartnerWorker.ts',
    tileDecodeWorker: 'src/io/tiff/tileDecodeWorker.ts',
  },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // sharp loads libvips from its own folder: it must stay where npm put it.
  external: ['sharp'],
  // CommonJS dependencies (fast-glob, ml-matrix) call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __gigaquantRequire } from 'node:module'; const require = __gigaquantRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
