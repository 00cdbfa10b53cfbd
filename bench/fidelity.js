// The fidelity table: mean PSNR (every pixel, 3 channels, no dithering) and mean wall time per
// image at k = 16, 64, 256 on seven real photos, for gigaquant and the peers that run here:
// sharp's palette PNG (libimagequant) always, pngquant and scikit-learn's KMeans when Debian's
// packages are installed. Every output is decoded by libvips and compared with the photo's stored
// pixels (no colour management), so all tools are scored the same way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';

const D = '/usr/lib/python3/dist-packages';
export const PHOTOS = [
  `${D}/sklearn/datasets/images/china.jpg`,
  `${D}/sklearn/datasets/images/flower.jpg`,
  `${D}/skimage/data/astronaut.png`,
  `${D}/skimage/data/chelsea.png`,
  `${D}/skimage/data/coffee.png`,
  `${D}/skimage/data/motorcycle_left.png`,
  `${D}/skimage/data/rocket.jpg`,
];

const SKLEARN = `
import sys, numpy as np
from PIL import Image
from sklearn.cluster import KMeans
src, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
img = np.asarray(Image.open(src).convert('RGB'), dtype=np.float64)
X = img.reshape(-1, 3)
km = KMeans(n_clusters=k, n_init=1, random_state=0).fit(X)
q = np.clip(np.rint(km.cluster_centers_), 0, 255).astype(np.uint8)[km.labels_]
Image.fromarray(q.reshape(img.shape)).save(out)
`;

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** The image's stored pixels as libvips decodes them: 8-bit sRGB, no alpha. */
export async function stored(path) {
  const { data, info } = await sharp(path)
    .keepIccProfile()
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export function psnr(a, b) {
  let sse = 0;
  for (let i = 0; i < a.length; i++) sse += (a[i] - b[i]) ** 2;
  const mse = sse / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function timed(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return seconds;
}

/** Median of `runs` timings of a whole process. */
function medianSeconds(cmd, args, runs = 7) {
  const t = Array.from({ length: runs }, () => timed(cmd, args)).sort((a, b) => a - b);
  return t[Math.floor(runs / 2)];
}

/**
 * What a small image costs beyond the work: the wall time of a Node process that only loads the
 * libraries gigaquant's CLI is built on (yargs, sharp/libvips), and gigaquant's time per image when
 * one `batch` process does all the photos (start-up paid once).
 */
function startupAndBatch({ cli, photos, ks, work }) {
  const floor = medianSeconds(process.execPath, [
    '--input-type=module',
    '-e',
    "await import('yargs'); await import('sharp');",
  ]);
  const nodeAlone = medianSeconds(process.execPath, ['-e', '0']);
  const batch = ks.map((k) => {
    const outDir = join(work, `batch-${k}`);
    const seconds = timed(process.execPath, [
      cli,
      'batch',
      ...photos,
      '--out-dir',
      outDir,
      '-k',
      String(k),
      '--quiet',
    ]);
    rmSync(outDir, { recursive: true, force: true });
    return { k, secondsPerImage: seconds / photos.length };
  });
  return { nodeAlone, floor, batch };
}

/** Runs the fidelity comparison; returns rows and prints the table. */
export async function runFidelity({ root, ks = [16, 64, 256] }) {
  const photos = PHOTOS.filter((p) => existsSync(p));
  if (photos.length < PHOTOS.length) {
    console.log(
      'fidelity: the reference photos need Debian packages: apt-get install -y python3-sklearn python3-skimage',
    );
    if (photos.length === 0) return { rows: [], startup: undefined };
  }
  const peers = ['gigaquant', 'sharp palette'];
  if (has('pngquant')) peers.push('pngquant');
  else console.log('fidelity: pngquant not found (apt-get install -y pngquant)');
  const python = '/usr/bin/python3';
  const sklearnOk = spawnSync(python, ['-c', 'import sklearn, PIL']).status === 0;
  if (sklearnOk) peers.push('sklearn KMeans (all pixels, n_init=1)');
  else console.log('fidelity: scikit-learn not found (apt-get install -y python3-sklearn)');

  const work = mkdtempSync(join(tmpdir(), 'gigaquant-fidelity-'));
  const cli = join(root, 'dist/bin/bin.js');
  const rows = [];
  let startup;
  try {
    startup = startupAndBatch({ cli, photos, ks, work });
    writeFileSync(join(work, 'sk.py'), SKLEARN);
    for (const photo of photos) {
      const ref = await stored(photo);
      // pngquant reads PNG only: the stored pixels as a PNG, made once, outside the timing.
      const asPng = join(work, `${basename(photo)}.png`);
      await sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } })
        .png()
        .toFile(asPng);
      for (const k of ks) {
        process.stderr.write(`fidelity: ${basename(photo)} k=${k}\n`);
        const run = async (peer, fn) => {
          const out = join(work, `out.png`);
          const seconds = await fn(out);
          const decoded = await stored(out);
          const colours = new Set();
          for (let i = 0; i < decoded.data.length; i += 3) {
            colours.add((decoded.data[i] << 16) | (decoded.data[i + 1] << 8) | decoded.data[i + 2]);
          }
          // sharp's palette PNG holds 2^bitdepth colours: it cannot give 64, and uses 256 instead.
          const honest = colours.size <= k;
          const score = psnr(ref.data, decoded.data);
          rows.push({
            photo: basename(photo),
            k,
            peer,
            psnr: score,
            seconds,
            colours: colours.size,
            honest,
          });
          rmSync(out, { force: true });
        };
        await run('gigaquant', (out) =>
          timed(process.execPath, [cli, 'compress', photo, '-k', String(k), '-o', out, '--quiet']),
        );
        await run('sharp palette', async (out) => {
          const t = process.hrtime.bigint();
          await sharp(photo)
            .keepIccProfile()
            .png({ palette: true, colours: k, dither: 0, effort: 10 })
            .toFile(out);
          return Number(process.hrtime.bigint() - t) / 1e9;
        });
        if (peers.includes('pngquant')) {
          await run('pngquant', (out) =>
            timed('pngquant', [String(k), '--nofs', '--force', '--output', out, asPng]),
          );
        }
        if (sklearnOk) {
          await run(peers[peers.length - 1], (out) =>
            timed(python, [join(work, 'sk.py'), photo, String(k), out]),
          );
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  console.log(
    `\nfidelity: mean PSNR in dB (mean wall seconds per image) over ${photos.length} photos, no dithering`,
  );
  console.log(`| k | ${peers.join(' | ')} |`);
  console.log(`|---|${peers.map(() => '---').join('|')}|`);
  for (const k of ks) {
    const cells = peers.map((peer) => {
      const mine = rows.filter((r) => r.k === k && r.peer === peer);
      if (mine.some((r) => !r.honest))
        return `- (gives ${Math.max(...mine.map((r) => r.colours))} colours)`;
      const mean = (f) => mine.reduce((s, r) => s + f(r), 0) / mine.length;
      return `${mean((r) => r.psnr).toFixed(2)} (${mean((r) => r.seconds).toFixed(2)} s)`;
    });
    console.log(`| ${k} | ${cells.join(' | ')} |`);
  }
  console.log(
    `\nstart-up: node alone ${startup.nodeAlone.toFixed(2)} s; node loading yargs and sharp (the CLI's floor before any pixel) ${startup.floor.toFixed(2)} s`,
  );
  console.log(
    `gigaquant batch over the ${photos.length} photos, seconds per image: ${startup.batch.map((b) => `k=${b.k} ${b.secondsPerImage.toFixed(2)}`).join(', ')}`,
  );
  return { rows, startup };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(new URL('.', import.meta.url).pathname, '..');
  const ks = process.argv[2] ? process.argv[2].split(',').map(Number) : undefined;
  const result = await runFidelity({ root, ks });
  writeFileSync(
    join(root, 'bench/results', `fidelity-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(result, null, 1),
  );
}
