// Bundles the command-line tool into dist/bin/: a handful of files instead of the hundred-odd
// ES modules of our code, yargs and its helpers, which Node 20 would otherwise resolve, read and
// link one by one at every start (a third of a small image's run). The CLI itself is main.cjs,
// with V8's code cache beside it; the launcher (bin.js) and the workers are ES modules. The
// library (dist/index.js) stays as tsc writes it, for callers who bundle or tree-shake it
// themselves.
//
// Workers and the CLI's child process are found beside the module that starts them
// (new URL('./x.js', import.meta.url)), so each is an entry point of its own in the same folder;
// dist/bin/ sits as deep as dist/runtime/, so ../../native/kernels.wasm resolves the same.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import sharp from 'sharp';
import { CLI_BUNDLE, codeCacheAccepted } from '../dist/cli/cliBundle.js';

const root = new URL('../', import.meta.url);
// Chunk names carry a hash of their content: a rebuild would leave the old ones beside the new.
rmSync(new URL('dist/bin/', root), { recursive: true, force: true });

const common = {
  absWorkingDir: root.pathname,
  outdir: 'dist/bin',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // sharp loads libvips from its own folder: it must stay where npm put it.
  external: ['sharp'],
  sourcemap: 'linked',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: {
    bin: 'src/cli/bin.ts',
    quantizeWorker: 'src/batch/quantizeWorker.ts',
    lloydPartnerWorker: 'src/cluster/kernels/lloydPartnerWorker.ts',
    tileDecodeWorker: 'src/io/tiff/tileDecodeWorker.ts',
  },
  splitting: true,
  format: 'esm',
  // CommonJS dependencies (fast-glob, ml-matrix) call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __gigaquantRequire } from 'node:module'; const require = __gigaquantRequire(import.meta.url);",
  },
});

// The CLI itself is one CommonJS file, so that it can start from V8's code cache (cliBundle.ts);
// its lazy imports become functions called on first use. import.meta.url is the bundle's own
// URL, so workers and the kernels are found as from the ES modules beside it.
const cli = await build({
  ...common,
  entryPoints: { main: 'src/cli/main.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__gigaquantUrl' },
  // Strict, as the ES modules it is made of are.
  banner: {
    js: "'use strict'; const __gigaquantUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  metafile: true,
});
// The bundle runs in a vm.Script, where import() has no loader: a dynamic import left in it
// would fail only when that line runs.
const leftImports = Object.values(cli.metafile.outputs)
  .flatMap((o) => o.imports)
  .filter((i) => i.kind === 'dynamic-import');
if (leftImports.length > 0)
  throw new Error(`dynamic import in ${CLI_BUNDLE}: ${leftImports.map((i) => i.path).join(', ')}`);

// The code cache is made by a run of a small compress (warmCodeCache.js), k-means and all.
const work = mkdtempSync(join(tmpdir(), 'gigaquant-build-'));
try {
  const image = join(work, 'warm.png');
  const pixels = Buffer.alloc(48 * 32 * 3, 0);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i >> 7) * 11) & 255;
  await sharp(pixels, { raw: { width: 48, height: 32, channels: 3 } })
    .png()
    .toFile(image);
  const warm = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('warmCodeCache.js', import.meta.url)),
      ...['compress', image, '-k', '8', '-o', join(work, 'out.png'), '--quiet'],
    ],
    { stdio: 'inherit' },
  );
  if (warm.status !== 0)
    throw new Error(`the run that makes the code cache failed (${warm.status})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!codeCacheAccepted(fileURLToPath(new URL(`dist/bin/${CLI_BUNDLE}`, root))))
  throw new Error('V8 rejects the code cache it just made');
