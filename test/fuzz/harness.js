// Mutation fuzzing of gigaquant's inputs: small seed images in every format it reads (and .npy
// labels with their codebook for decompress) are damaged in seeded ways, and each mutant is run
// through the built CLI in a private output and temp folder. Each case is judged:
// - the exit code is 0, 2, 3 or 4, and stderr holds no stack trace;
// - it ends within the time limit, under the memory cap (peak RSS by GNU time);
// - nothing is left in the temp folder, nor in the output folder when it failed;
// - exit 0 only when Debian's libvips (`vips copy`) decodes the same file without error (numpy and
//   Python's json for labels), and then every output pixel is the palette entry nearest to the
//   decoded input pixel (decompress: the codebook colour of every label).
// Plain JavaScript, so that `npm run fuzz` needs only the build; the test suite runs a fixed seed.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const CLI = fileURLToPath(new URL('../../dist/bin/bin.js', import.meta.url));
const TIME_LIMIT_MS = 60_000;
const RSS_CAP_KB = 512 * 1024;

/** xorshift32: the fuzzer's own seeded randomness. */
function random(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (a) => a[Math.floor(next() * a.length)],
  };
}

function pixels(width, height, channels, seed) {
  const r = random(seed);
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const wave = 128 + 90 * Math.sin((x * (c + 1)) / 9 + y / 7);
        data[(y * width + x) * channels + c] = Math.max(
          0,
          Math.min(255, Math.round(wave + r.int(24) - 12)),
        );
      }
  return data;
}

/** Seed files, one per format and layout gigaquant reads. */
async function makeSeeds(dir) {
  const w = 64;
  const h = 48;
  const rgb = () => sharp(pixels(w, h, 3, 1), { raw: { width: w, height: h, channels: 3 } });
  const rgba = () => sharp(pixels(w, h, 4, 2), { raw: { width: w, height: h, channels: 4 } });
  const grey = () =>
    sharp(pixels(w, h, 1, 3), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w');
  const seeds = {
    'rgb.png': rgb().png(),
    'rgba.png': rgba().png(),
    'grey.png': grey().png(),
    'rgb16.png': rgb().toColourspace('rgb16').png(),
    'strip.tif': rgb().tiff({ compression: 'deflate' }),
    'tiled.tif': rgb().tiff({ compression: 'lzw', tile: true, tileWidth: 16, tileHeight: 16 }),
    // Decoded by gigaquant's own tile reader (io/TileRowReader), not libvips.
    'tiled-deflate.tif': rgb().tiff({
      compression: 'deflate',
      predictor: 'horizontal',
      tile: true,
      tileWidth: 16,
      tileHeight: 32,
    }),
    'tiled-none.tif': rgb().tiff({
      compression: 'none',
      tile: true,
      tileWidth: 32,
      tileHeight: 16,
    }),
    'big.tif': rgb().tiff({ compression: 'deflate', bigtiff: true }),
    'rgb.jpg': rgb().jpeg({ quality: 90 }),
    'grey.jpg': grey().jpeg({ quality: 90 }),
    'lossless.webp': rgb().webp({ lossless: true }),
    'lossy.webp': rgba().webp({ quality: 80 }),
    'rgb.gif': rgb().gif(),
  };
  for (const [name, image] of Object.entries(seeds)) await image.toFile(join(dir, name));
  // Labels for decompress, made by gigaquant itself.
  const made = spawnSync(process.execPath, [
    CLI,
    'compress',
    join(dir, 'rgb.png'),
    '-k',
    '8',
    '-o',
    join(dir, 'labels.npy'),
    '-q',
  ]);
  if (made.status !== 0) throw new Error(`cannot make the labels seed: ${made.stderr}`);
  return [...Object.keys(seeds), 'labels.npy', 'labels.codebook.json'];
}

const MUTATORS = {
  flip(bytes, r) {
    for (let i = 0, n = 1 + r.int(8); i < n; i++) bytes[r.int(bytes.length)] ^= 1 << r.int(8);
    return bytes;
  },
  truncate(bytes, r) {
    return bytes.subarray(0, 8 + r.int(Math.max(1, bytes.length - 8)));
  },
  field(bytes, r) {
    // Headers hold the sizes and offsets: aim there half of the time.
    const at = r.next() < 0.5 ? r.int(Math.min(bytes.length - 4, 64)) : r.int(bytes.length - 4);
    const value = r.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 0x0000ffff, 0x00010000, 50000]);
    if (r.next() < 0.5) bytes.writeUInt32BE(value >>> 0, at);
    else bytes.writeUInt32LE(value >>> 0, at);
    return bytes;
  },
  zeros(bytes, r) {
    const at = r.int(bytes.length);
    bytes.fill(0, at, Math.min(bytes.length, at + 16 + r.int(4096)));
    return bytes;
  },
};

/** Runs a command under GNU time; resolves with its code, output, peak RSS and whether it hung. */
function runMeasured(args, env) {
  return new Promise((resolve) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'FUZZ_PEAK_KB %M', process.execPath, CLI, ...args],
      {
        env: { ...process.env, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, TIME_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const peak = /FUZZ_PEAK_KB (\d+)/.exec(stderr);
      stderr = stderr
        .replace(/.*FUZZ_PEAK_KB \d+\n?/, '')
        .replace(/Command exited with non-zero status \d+\n?/, '');
      resolve({ code, stdout, stderr, peakKb: peak ? Number(peak[1]) : 0, hung });
    });
  });
}

function hexColor(hex) {
  return [1, 3, 5, 7].filter((i) => i < hex.length).map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** Exit 0 for compress: libvips accepts the file, and every pixel is its nearest palette entry. */
/**
 * What Debian's libvips (8.14) refuses as unsupported, not as damage, and sharp's newer libvips
 * reads: a TIFF that says YCbCr without JPEG (libtiff's RGBA reader converts it). Its pixels are
 * still checked against sharp's decode below.
 */
const OLDER_VIPS_LIMITS = /subsampled images not supported/;

async function verifyCompressed(input, output, stdout, work, options) {
  const vips = spawnSync('vips', ['copy', input, join(work, 'ref.v')]);
  rmSync(join(work, 'ref.v'), { force: true });
  if (vips.status !== 0 && !OLDER_VIPS_LIMITS.test(String(vips.stderr)))
    return `exit 0, but libvips refuses the file: ${
      String(vips.stderr)
        .split('\n')
        .filter((l) => l.trim())
        .at(-1) ?? ''
    }`;
  const result = JSON.parse(stdout);
  const channels = result.channels;
  const palette = result.palette.map(hexColor);
  const ref = await sharp(input, { failOn: 'none' })
    .rotate()
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const out = await sharp(output)
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (ref.info.width !== out.info.width || ref.info.height !== out.info.height)
    return `exit 0, but the output is ${out.info.width}x${out.info.height}, the input ${ref.info.width}x${ref.info.height}`;
  const alpha = channels === 2 || channels === 4;
  const pick = (d, o) =>
    channels <= 2
      ? alpha
        ? [d[o], d[o + 3]]
        : [d[o]]
      : alpha
        ? [d[o], d[o + 1], d[o + 2], d[o + 3]]
        : [d[o], d[o + 1], d[o + 2]];
  const entry = (c) =>
    channels <= 2 ? (alpha ? [c[0], c[3]] : [c[0]]) : alpha ? c : c.slice(0, 3);
  const entries = palette.map(entry);
  // With nodata, its pixels (alpha 0 unless --nodata gives a value, or every colour at the value)
  // take the last entry, and the others are matched among the rest.
  const { nodata } = result;
  const transparentIsNodata = !options.includes('--nodata');
  const matched = nodata ? entries.slice(0, nodata.index) : entries;
  const isNodata = (o) =>
    nodata &&
    ((transparentIsNodata && ref.data[o + 3] === 0) ||
      (nodata.value !== undefined && [0, 1, 2].every((ch) => ref.data[o + ch] === nodata.value)));
  for (let p = 0; p < ref.info.width * ref.info.height; p++) {
    const px = pick(ref.data, p * 4);
    let best = isNodata(p * 4) ? nodata.index : 0;
    let bestD = isNodata(p * 4) ? -1 : Infinity;
    matched.forEach((e, i) => {
      const d = e.reduce((s, v, ch) => s + (v - px[ch]) ** 2, 0);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    const got = pick(out.data, p * 4);
    const want = entries[best];
    if (got.some((v, ch) => v !== want[ch]))
      return `exit 0, but pixel ${p} is ${got}, its nearest entry is ${want}`;
  }
  return undefined;
}

/** Exit 0 for decompress: numpy and json read both files, and every pixel is its label's colour. */
function verifyDecompressed(labels, codebook, output) {
  const script = `
import json, sys, numpy
labels = numpy.load(sys.argv[1])
colors = json.load(open(sys.argv[2]))['colors']
assert labels.ndim == 2 and labels.shape[0] > 0 and labels.shape[1] > 0, 'shape'
assert int(labels.max()) < len(colors), 'label outside the codebook'
print(labels.shape[0], labels.shape[1])
`;
  const py = spawnSync('python3', ['-c', script, labels, codebook], { encoding: 'utf8' });
  if (py.status !== 0)
    return `exit 0, but numpy/json refuse the labels or codebook: ${py.stderr.trim().split('\n').at(-1)}`;
  return { expected: py.stdout.trim().split(' ').map(Number), output };
}

/** Options a compress case runs with besides -k 8: each keeps "every pixel is its nearest entry". */
const OPTION_SETS = [
  [],
  ['--nodata', 'none'],
  ['--nodata', '0'],
  ['--keep-colors', '#ff0000,#00ff00'],
  // A fit on a sample: of tiles where gigaquant decodes them, else of bands of 8 rows.
  ['--fit-mpx', '0.001', '--band-height', '8'],
];

/**
 * Runs `count` cases from `seed`; returns the counts and every failed case (what it was, why).
 * `parallel` cases run at a time.
 */
export async function runFuzz({ seed, count, parallel = 2, log = () => {}, only, keep }) {
  const root = mkdtempSync(join(tmpdir(), 'gq-fuzz-'));
  try {
    const seedsDir = join(root, 'seeds');
    mkdirSync(seedsDir);
    const seedFiles = await makeSeeds(seedsDir);
    const r = random(seed);
    const cases = Array.from({ length: count }, (_, i) => {
      const file = r.pick(seedFiles);
      const mutator = r.pick(Object.keys(MUTATORS));
      const output = r.pick(['png', 'tif', 'tiled.tif']);
      return { i, file, mutator, seed: r.int(2 ** 31), output, options: r.pick(OPTION_SETS) };
    });
    // Rerunning some cases of a run (`only`): the same draws, the others left out.
    if (only) cases.splice(0, cases.length, ...cases.filter((c) => only.includes(c.i)));
    const verdicts = { total: 0, exit0: 0, exit2: 0, exit3: 0, exit4: 0, failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const failure = await runCase(root, seedsDir, c, keep);
        verdicts.total++;
        if (failure.code !== undefined)
          verdicts[`exit${failure.code}`] = (verdicts[`exit${failure.code}`] ?? 0) + 1;
        if (failure.reason) {
          verdicts.failed.push({ ...c, reason: failure.reason });
          log(`FAIL case ${c.i} (${c.mutator} of ${c.file}, seed ${c.seed}): ${failure.reason}`);
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return verdicts;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function runCase(root, seedsDir, c, keep) {
  const work = join(root, `case-${c.i}`);
  const out = join(work, 'out');
  const tmp = join(work, 'tmp');
  mkdirSync(out, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const r = random(c.seed);
    const isLabels = c.file === 'labels.npy' || c.file === 'labels.codebook.json';
    const ext = c.file.slice(c.file.lastIndexOf('.'));
    const mutant = join(
      work,
      `mutant${c.file === 'labels.codebook.json' ? '.codebook.json' : ext}`,
    );
    const bytes = MUTATORS[c.mutator](Buffer.from(readFileSync(join(seedsDir, c.file))), r);
    writeFileSync(mutant, bytes);
    let labels = join(seedsDir, 'labels.npy');
    let codebook = join(seedsDir, 'labels.codebook.json');
    if (c.file === 'labels.npy') labels = mutant;
    if (c.file === 'labels.codebook.json') codebook = mutant;
    const output = join(out, `x.${c.output}`);
    const args = isLabels
      ? ['decompress', labels, '--codebook', codebook, '-o', output, '--tmp-dir', tmp, '--json']
      : ['compress', mutant, '-k', '8', '-o', output, '--tmp-dir', tmp, '--json', ...c.options];
    // Tiled output: from a tiled input gigaquant decodes, pass 2 goes by regions (applyByRegions).
    if (!isLabels && c.output === 'tiled.tif') args.push('--tile', '16');
    const run = await runMeasured(args, {});
    const reasons = [];
    if (run.hung) reasons.push(`no answer within ${TIME_LIMIT_MS / 1000} s`);
    else if (![0, 2, 3, 4].includes(run.code)) reasons.push(`exit ${run.code}`);
    if (/\n\s+at /.test(run.stderr) || /internal error/.test(run.stderr))
      reasons.push(`stack trace: ${run.stderr.split('\n')[0]}`);
    if (run.peakKb > RSS_CAP_KB) reasons.push(`peak RSS ${Math.round(run.peakKb / 1024)} MiB`);
    const tmpLeft = readdirSync(tmp);
    if (tmpLeft.length) reasons.push(`left in the temp folder: ${tmpLeft.join(', ')}`);
    const outLeft = readdirSync(out);
    if (run.code !== 0 && outLeft.length) reasons.push(`failed but left: ${outLeft.join(', ')}`);
    if (run.code === 0 && !run.hung) {
      if (isLabels) {
        const v = verifyDecompressed(labels, codebook, output);
        if (typeof v === 'string') reasons.push(v);
        else {
          const meta = await sharp(output).metadata();
          if (meta.height !== v.expected[0] || meta.width !== v.expected[1])
            reasons.push(`exit 0, but the output is ${meta.width}x${meta.height}`);
        }
      } else {
        const why = await verifyCompressed(mutant, output, run.stdout, work, c.options);
        if (why) reasons.push(why);
      }
    }
    return { code: run.hung ? undefined : run.code, reason: reasons.join('; ') || undefined };
  } catch (err) {
    return { reason: `harness: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    if (keep) {
      cpSync(work, join(keep, `case-${c.i}`), { recursive: true });
      writeFileSync(join(keep, `case-${c.i}`, 'case.json'), JSON.stringify(c));
    }
    rmSync(work, { recursive: true, force: true });
  }
}
