// npm run bench [-- --sizes 100,400 --k 64 --inputs tif,png]
//
// For each size (megapixels) and input format: generates a photo-like image, then times
// `vips copy` of it to a .v file (one decode, the floor any tool pays) and `gigaquant compress`,
// each as a separate process under GNU time for wall time and peak RSS. Prints a table and writes
// bench/results/<timestamp>.json. Figures are ratios against the vips baseline of the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLargeImage } from '../examples/largeImage.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs),
      [],
    ),
);
const sizes = (args.sizes ?? '100,400').split(',').map(Number);
const k = Number(args.k ?? 64);
const inputs = (args.inputs ?? 'tif,png').split(',');

function need(cmd, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: '${cmd}' not found; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}
need('vips', 'libvips-tools');
need('/usr/bin/time', 'time');

/** Wall seconds and peak RSS of one command, measured by GNU time. */
function measure(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', cmd, ...argv], { encoding: 'utf8' });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  return { seconds: Number(m[1]), peakMiB: Number(m[2]) / 1024, stdout: r.stdout };
}

const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-'));
const rows = [];
try {
  for (const mpx of sizes) {
    const width = Math.round(Math.sqrt(mpx * 1e6 * 1.5));
    const height = Math.round((mpx * 1e6) / width);
    for (const ext of inputs) {
      const input = join(work, `bench-${mpx}.${ext}`);
      process.stderr.write(`generating ${width}x${height} .${ext} ...\n`);
      await makeLargeImage(input, width, height);
      const inputBytes = statSync(input).size;

      const vips = measure('vips', ['copy', input, join(work, 'copy.v')]);
      rmSync(join(work, 'copy.v'));
      const gq = measure(process.execPath, [
        join(root, 'dist/cli/bin.js'),
        'compress',
        input,
        '-k',
        String(k),
        '-o',
        join(work, 'out.png'),
        '--json',
      ]);
      const result = JSON.parse(gq.stdout);
      rmSync(join(work, 'out.png'));
      rmSync(input);
      const common = { megapixels: mpx, width, height, input: ext, inputBytes };
      rows.push({
        ...common,
        tool: 'vips copy (one decode)',
        seconds: vips.seconds,
        peakMiB: vips.peakMiB,
        ratio: 1,
      });
      rows.push({
        ...common,
        tool: `gigaquant k=${k}`,
        seconds: gq.seconds,
        peakMiB: gq.peakMiB,
        ratio: gq.seconds / vips.seconds,
        psnr: result.psnr,
        bitsPerPixel: result.bitsPerPixel,
        outputBytes: result.outputBytes,
      });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const header = [
  'Mpx',
  'input',
  'tool',
  'seconds',
  'x vips copy',
  'peak RSS MiB',
  'PSNR dB',
  'bits/px',
];
const table = rows.map((r) => [
  String(r.megapixels),
  r.input,
  r.tool,
  r.seconds.toFixed(1),
  r.ratio.toFixed(2),
  r.peakMiB.toFixed(0),
  r.psnr === undefined ? '' : r.psnr === null ? 'lossless' : r.psnr.toFixed(2),
  r.bitsPerPixel === undefined ? '' : r.bitsPerPixel.toFixed(3),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table) console.log(line(row));

mkdirSync(join(root, 'bench/results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(root, 'bench/results', `bench-${stamp}.json`);
writeFileSync(
  file,
  JSON.stringify(
    { date: new Date().toISOString(), k, cores: (await import('node:os')).cpus().length, rows },
    null,
    2,
  ),
);
console.log(`\nwrote ${file}`);
