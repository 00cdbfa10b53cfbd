// npm run bench [-- --sizes 100,400,100000x2000 --k 256 --inputs tif,png --peers yes|no --fidelity 16,64,256|no
//                   --batch-count 100 --batch-mpx 2 --split-mpx 400|0 --split-shares 2
//                   --speed-mpx 184,2040|no --speed-8gpx yes --speed-runs 5 --speed-pairs 3
//                   --packed-tiff yes|no
//                   --pyramid-mpx 400|0 --margin 16,64,256|no]
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
import { runFidelity } from './fidelity.js';
import { measure } from './measure.js';
import { printSplit, runSplitBench } from './split.js';
import { printSpeed, runSpeed } from './speed.js';
import { printPackedTiff, runPackedTiff } from './packedTiff.js';
import { printPaletteOrder, runPaletteOrder } from './paletteOrder.js';
import { printPyramid, runPyramidBench } from './pyramid.js';
import { runMargin } from './margin.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs),
      [],
    ),
);
// Megapixels (a 3:2 image), or WIDTHxHEIGHT: the wide one checks memory stays flat with width.
const sizes = (args.sizes ?? '100,400,100000x2000').split(',').map((s) => {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) return { mpx: Number(s), width: Math.round(Math.sqrt(Number(s) * 1e6 * 1.5)) };
  return {
    mpx: (Number(m[1]) * Number(m[2])) / 1e6,
    width: Number(m[1]),
    height: Number(m[2]),
    wide: true,
  };
});
const k = Number(args.k ?? 256);
const inputs = (args.inputs ?? 'tif,png').split(',');
const batchCount = Number(args['batch-count'] ?? 100);
const withPeers = (args.peers ?? 'yes') !== 'no';
const fidelityKs =
  (args.fidelity ?? '16,64,256') === 'no'
    ? []
    : (args.fidelity ?? '16,64,256').split(',').map(Number);
const hasPngquant = spawnSync('sh', ['-c', 'command -v pngquant']).status === 0;
if (!hasPngquant)
  console.error('bench: pngquant not found; apt-get install -y pngquant to compare with it');
const batchMpx = Number(args['batch-mpx'] ?? 2);
const splitMpx = Number(args['split-mpx'] ?? 400);
const splitShares = Number(args['split-shares'] ?? 2);

function need(cmd, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: '${cmd}' not found; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}
need('vips', 'libvips-tools');
need('/usr/bin/time', 'time');

const fidelity = fidelityKs.length > 0 ? await runFidelity({ root, ks: fidelityKs }) : [];

const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-'));
const rows = [];
try {
  const largest = Math.max(...sizes.filter((s) => !s.wide).map((s) => s.mpx));
  for (const size of sizes) {
    const { mpx, width } = size;
    const height = size.height ?? Math.round((mpx * 1e6) / width);
    for (const ext of size.wide ? ['tif'] : inputs) {
      const input = join(work, `bench-${mpx}.${ext}`);
      process.stderr.write(`generating ${width}x${height} .${ext} ...\n`);
      await makeLargeImage(input, width, height);
      const inputBytes = statSync(input).size;

      const vips = measure('vips', ['copy', input, join(work, 'copy.v')]);
      rmSync(join(work, 'copy.v'));
      const gq = measure(process.execPath, [
        join(root, 'dist/bin/bin.js'),
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
      // The peers take minutes and gigabytes at this size: run them on the largest size only.
      const peerRows = [];
      if (withPeers && !size.wide && mpx === largest) {
        const sharpPalette = `require('sharp')(process.argv[1], { limitInputPixels: false }).png({ palette: true, colours: ${k}, dither: 0 }).toFile(process.argv[2]).catch((e) => { console.error(e.message); process.exit(1); })`;
        const sp = measure(process.execPath, ['-e', sharpPalette, input, join(work, 'peer.png')]);
        peerRows.push({ tool: `sharp palette k=${k}`, ...sp });
        if (ext === 'png' && hasPngquant) {
          const pq = measure('pngquant', [
            String(k),
            '--nofs',
            '--force',
            '--output',
            join(work, 'peer.png'),
            input,
          ]);
          peerRows.push({ tool: `pngquant ${k}`, ...pq });
        }
        rmSync(join(work, 'peer.png'), { force: true });
      }
      rmSync(input);
      const common = { megapixels: mpx, width, height, input: ext, inputBytes };
      rows.push({
        ...common,
        tool: 'vips copy (one decode)',
        seconds: vips.seconds,
        peakMiB: vips.peakMiB,
        ratio: 1,
        vsGigaquant: vips.seconds / gq.seconds,
      });
      rows.push({
        ...common,
        tool: `gigaquant k=${k}`,
        seconds: gq.seconds,
        peakMiB: gq.peakMiB,
        ratio: gq.seconds / vips.seconds,
        vsGigaquant: 1,
        psnr: result.psnr,
        bitsPerPixel: result.bitsPerPixel,
        outputBytes: result.outputBytes,
      });
      for (const peer of peerRows) {
        rows.push({
          ...common,
          tool: peer.tool,
          seconds: peer.seconds,
          peakMiB: peer.peakMiB,
          ratio: peer.seconds / vips.seconds,
          vsGigaquant: peer.seconds / gq.seconds,
        });
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Batch: a folder of generated multi-megapixel images, one at a time and at the default concurrency.
const batchRows = [];
if (batchCount > 0) {
  const folder = mkdtempSync(join(tmpdir(), 'gigaquant-bench-batch-'));
  try {
    const width = Math.round(Math.sqrt(batchMpx * 1e6 * 1.5));
    const height = Math.round((batchMpx * 1e6) / width);
    process.stderr.write(`generating ${batchCount} images of ${width}x${height} ...\n`);
    for (let i = 0; i < batchCount; i++) {
      const sub = join(folder, 'in', `d${i % 10}`);
      mkdirSync(sub, { recursive: true });
      await makeLargeImage(join(sub, `img${i}.png`), width, height, i + 1);
    }
    for (const concurrency of ['1', 'default']) {
      const flags = concurrency === 'default' ? [] : ['--concurrency', concurrency];
      const cli = join(root, 'dist/bin/bin.js');
      const pattern = join(folder, 'in', '**/*.png');
      const out = join(folder, `out-${concurrency}`);
      const run = measure(process.execPath, [
        cli,
        'batch',
        pattern,
        '--out-dir',
        out,
        '-k',
        String(k),
        '--json',
        ...flags,
      ]);
      const events = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const plan = events.find((e) => e.type === 'plan');
      const end = events.find((e) => e.type === 'end').result;
      if (end.done !== batchCount) throw new Error(`batch did ${end.done} of ${batchCount} images`);
      batchRows.push({
        concurrency: plan.concurrency,
        images: batchCount,
        megapixelsEach: batchMpx,
        seconds: run.seconds,
        imagesPerSecond: batchCount / run.seconds,
        peakMiB: run.peakMiB,
      });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const header = [
  'Mpx',
  'input',
  'tool',
  'seconds',
  'x vips copy',
  'x gigaquant',
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
  r.vsGigaquant.toFixed(2),
  r.peakMiB.toFixed(0),
  r.psnr === undefined ? '' : r.psnr === null ? 'lossless' : r.psnr.toFixed(2),
  r.bitsPerPixel === undefined ? '' : r.bitsPerPixel.toFixed(3),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table) console.log(line(row));

if (batchRows.length > 0) {
  const base = batchRows[0].imagesPerSecond;
  console.log(`\nbatch: ${batchCount} PNG images of ${batchMpx} Mpx, k=${k}`);
  console.log('| concurrency | seconds | images/s | x concurrency 1 | peak RSS MiB |');
  console.log('|-------------|---------|----------|-----------------|--------------|');
  for (const r of batchRows) {
    r.ratio = r.imagesPerSecond / base;
    const cells = [
      r.concurrency,
      r.seconds.toFixed(1),
      r.imagesPerSecond.toFixed(2),
      r.ratio.toFixed(2),
      r.peakMiB.toFixed(0),
    ];
    console.log(`| ${cells.map(String).join(' | ')} |`);
  }
}

// The photo-derived sizes of issue 14's table; 8 Gpx (an hour's run) only when asked for.
const speedMpx =
  (args['speed-mpx'] ?? '184,2040') === 'no'
    ? []
    : (args['speed-mpx'] ?? '184,2040').split(',').map(Number);
if (args['speed-8gpx'] === 'yes') speedMpx.push(8180);
const speed =
  (args['speed-mpx'] ?? '') === 'no' && speedMpx.length === 0
    ? []
    : await runSpeed({
        root,
        k,
        mpxList: speedMpx,
        runs: Number(args['speed-runs'] ?? 5),
        pairs: Number(args['speed-pairs'] ?? 3),
      });
if (speed.length > 0) printSpeed(speed);

const packedTiff = args['packed-tiff'] === 'no' ? [] : runPackedTiff({ root });
if (packedTiff.length > 0) printPackedTiff(packedTiff);

const paletteOrder = args['palette-order'] === 'no' ? [] : await runPaletteOrder({ root });
if (paletteOrder.length > 0) printPaletteOrder(paletteOrder);

const pyramidMpx = Number(args['pyramid-mpx'] ?? 400);
const pyramid = pyramidMpx > 0 ? await runPyramidBench({ root, mpx: pyramidMpx, k }) : undefined;
if (pyramid) printPyramid(pyramid);

// The per-image margin against scikit-learn's KMeans (prints its own table; slow at k = 256).
const marginKs =
  (args.margin ?? '16,64,256') === 'no' ? [] : (args.margin ?? '16,64,256').split(',').map(Number);
const margin = marginKs.length > 0 ? await runMargin({ root, ks: marginKs }) : undefined;

const split =
  splitMpx > 0
    ? await runSplitBench({ root, mpx: splitMpx, shares: splitShares, k, tile: 512 })
    : undefined;
if (split) printSplit(split);

mkdirSync(join(root, 'bench/results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(root, 'bench/results', `bench-${stamp}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      k,
      cores: (await import('node:os')).cpus().length,
      rows,
      batch: batchRows,
      fidelity,
      split,
      speed,
      packedTiff,
      paletteOrder,
      pyramid,
      margin,
    },
    null,
    2,
  ),
);
console.log(`\nwrote ${file}`);
