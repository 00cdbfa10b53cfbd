// The quality margin against full k-means, image by image: gigaquant's PSNR with default options
// minus scikit-learn's KMeans on all pixels (n_init=1, the mean over seeds 0, 1 and 2), at each k.
// Photos: the seven of the fidelity table and scikit-image's other colour photos; drawings: a flat
// graphic, a chart and a smooth gradient drawn here. Every output is decoded by libvips and scored
// against the image's stored pixels, the same way for both tools.
// Usage: node bench/margin.js [16,64,256] [name,name: only images whose names contain one]
// (npm run bench runs it too; --margin no skips it)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { PHOTOS, psnr, stored } from './fidelity.js';

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
export const MORE_PHOTOS = [
  `${SKIMAGE}/hubble_deep_field.jpg`,
  `${SKIMAGE}/ihc.png`,
  `${SKIMAGE}/retina.jpg`,
];
const SEEDS = [0, 1, 2];

const SKLEARN = `
import sys, numpy as np
from PIL import Image
from sklearn.cluster import KMeans
src, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
img = np.asarray(Image.open(src).convert('RGB'), dtype=np.float64)
X = img.reshape(-1, 3)
for seed in (${SEEDS.join(', ')}):
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X)
    q = np.clip(np.rint(km.cluster_centers_), 0, 255).astype(np.uint8)[km.labels_]
    Image.fromarray(q.reshape(img.shape)).save(out % seed)
`;

/** Drawings a photo set lacks: flat colours with anti-aliased edges, a chart, a smooth gradient. */
const DRAWINGS = {
  'flat-graphic': `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <rect width="800" height="600" fill="#f4f1e8"/>
    <circle cx="220" cy="260" r="150" fill="#d1495b"/><circle cx="330" cy="300" r="120" fill="#edae49" opacity="0.85"/>
    <rect x="450" y="120" width="260" height="180" rx="30" fill="#00798c"/>
    <polygon points="480,520 620,330 760,520" fill="#30638e"/>
    <text x="60" y="560" font-family="sans-serif" font-size="64" font-weight="bold" fill="#003d5b">gigaquant</text></svg>`,
  chart: `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <rect width="800" height="600" fill="white"/>
    ${Array.from({ length: 12 }, (_, i) => `<rect x="${70 + i * 58}" y="${560 - (60 + ((i * 97) % 380))}" width="40" height="${60 + ((i * 97) % 380)}" fill="hsl(${i * 30},60%,55%)"/>`).join('')}
    <polyline points="${Array.from({ length: 12 }, (_, i) => `${90 + i * 58},${300 - 120 * Math.sin(i / 2)}`).join(' ')}" fill="none" stroke="#222" stroke-width="3"/>
    <line x1="60" y1="560" x2="760" y2="560" stroke="#444" stroke-width="2"/></svg>`,
  gradient: `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <defs><linearGradient id="a" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#0b2545"/><stop offset="0.5" stop-color="#8d3b72"/><stop offset="1" stop-color="#f2cc8f"/></linearGradient>
    <radialGradient id="b" cx="0.7" cy="0.3" r="0.5"><stop offset="0" stop-color="#ffffff" stop-opacity="0.8"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient></defs>
    <rect width="800" height="600" fill="url(#a)"/><rect width="800" height="600" fill="url(#b)"/></svg>`,
};

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** The margin table: one row per image and k. Needs python3-sklearn and python3-skimage. */
export async function runMargin({ root, ks = [16, 64, 256], only }) {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import sklearn, PIL']).status !== 0) {
    console.log('margin: scikit-learn not found (apt-get install -y python3-sklearn)');
    return [];
  }
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-margin-'));
  const cli = join(root, 'dist/bin/bin.js');
  const rows = [];
  try {
    const images = [...PHOTOS, ...MORE_PHOTOS].filter((p) => existsSync(p));
    for (const [name, svg] of Object.entries(DRAWINGS)) {
      const path = join(work, `${name}.png`);
      await sharp(Buffer.from(svg)).removeAlpha().png().toFile(path);
      images.push(path);
    }
    writeFileSync(join(work, 'sk.py'), SKLEARN);
    for (const image of images.filter((i) => !only || only.some((o) => basename(i).includes(o)))) {
      const ref = (await stored(image)).data;
      for (const k of ks) {
        process.stderr.write(`margin: ${basename(image)} k=${k}\n`);
        const ours = join(work, 'ours.png');
        run(process.execPath, [cli, 'compress', image, '-k', String(k), '-o', ours, '--quiet']);
        const gigaquant = psnr(ref, (await stored(ours)).data);
        run(python, [join(work, 'sk.py'), image, String(k), join(work, 'sk-%d.png')]);
        const seeds = [];
        for (const seed of SEEDS)
          seeds.push(psnr(ref, (await stored(join(work, `sk-${seed}.png`))).data));
        const sklearn = seeds.reduce((s, v) => s + v, 0) / seeds.length;
        rows.push({
          image: basename(image),
          k,
          gigaquant,
          sklearn,
          seeds,
          margin: gigaquant - sklearn,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printMargin(rows, ks);
  return rows;
}

export function printMargin(rows, ks) {
  if (rows.length === 0) return;
  console.log(
    `\nmargin: gigaquant PSNR minus scikit-learn KMeans (all pixels, n_init=1, mean of seeds ${SEEDS.join(', ')}), dB; goal >= -0.05`,
  );
  console.log(`| image | ${ks.map((k) => `k=${k}`).join(' | ')} |`);
  console.log(`|---|${ks.map(() => '---').join('|')}|`);
  const images = [...new Set(rows.map((r) => r.image))];
  for (const image of images) {
    const cells = ks.map((k) => {
      const r = rows.find((x) => x.image === image && x.k === k);
      return r
        ? `${r.margin >= 0 ? '+' : ''}${r.margin.toFixed(3)} (${r.gigaquant.toFixed(2)} vs ${r.sklearn.toFixed(2)})`
        : '-';
    });
    console.log(`| ${image} | ${cells.join(' | ')} |`);
  }
  const worst = rows.reduce((a, b) => (b.margin < a.margin ? b : a));
  const mean = rows.reduce((s, r) => s + r.margin, 0) / rows.length;
  console.log(
    `mean margin ${mean >= 0 ? '+' : ''}${mean.toFixed(3)} dB; worst ${worst.margin.toFixed(3)} dB (${worst.image}, k=${worst.k}); below -0.05 dB: ${rows.filter((r) => r.margin < -0.05).length} of ${rows.length}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(new URL('.', import.meta.url).pathname, '..');
  const ks = process.argv[2] ? process.argv[2].split(',').map(Number) : undefined;
  const only = process.argv[3]?.split(',');
  const rows = await runMargin({ root, ks, only });
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results', `margin-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(rows, null, 1),
  );
}
