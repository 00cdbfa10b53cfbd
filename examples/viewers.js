// Makes the README's picture of what viewers get from `--pyramid`: a large example image is
// quantized to a COG, then OpenSlide (openslide-tools), the reader behind QuPath's and most slide
// viewers' TIFF support, reads a whole reduced level and regions of finer ones, as a viewer does
// when it zooms in. The figure is laid out by Chromium and quantized by gigaquant itself.
// Usage: node examples/viewers.js <out.png>   (needs openslide-tools, gdal-bin and chromium)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { makeLargeImage } from './largeImage.js';

const [out] = process.argv.slice(2);
if (!out) throw new Error('usage: node examples/viewers.js <out.png>');
const cli = new URL('../dist/bin/bin.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gq-viewers-'));
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
try {
  const input = await makeLargeImage(join(dir, 'scene.tif'), 16000, 10000);
  const cog = join(dir, 'scene-k32.tif');
  const summary = run(process.execPath, [
    cli,
    'compress',
    input,
    '-k',
    '32',
    '--pyramid',
    '-o',
    cog,
  ]);
  const props = run('openslide-show-properties', [cog]);
  const levels = Number(/openslide\.level-count: '(\d+)'/.exec(props)?.[1]);
  const dims = Array.from({ length: levels }, (_, l) => [
    Number(new RegExp(`level\\[${l}\\]\\.width: '(\\d+)'`).exec(props)?.[1]),
    Number(new RegExp(`level\\[${l}\\]\\.height: '(\\d+)'`).exec(props)?.[1]),
  ]);
  // A viewer zooming in on the house: the whole image from a small level, then 360x225 windows
  // of finer levels, each centred on the same spot (coordinates are in level-0 pixels).
  const spot = { x: 7600, y: 8440 };
  const panels = [];
  const overview = levels - 2;
  const [ow, oh] = dims[overview];
  const whole = join(dir, 'overview.png');
  run('openslide-write-png', [cog, '0', '0', String(overview), String(ow), String(oh), whole]);
  panels.push({ png: whole, caption: `level ${overview}: the whole ${ow}x${oh} level` });
  for (const level of [3, 1, 0]) {
    const scale = 2 ** level;
    const [w, h] = [360, 225];
    const x = Math.max(0, spot.x - (w / 2) * scale);
    const y = Math.max(0, spot.y - (h / 2) * scale);
    const png = join(dir, `level${level}.png`);
    run('openslide-write-png', [
      cog,
      String(x),
      String(y),
      String(level),
      String(w),
      String(h),
      png,
    ]);
    panels.push({
      png,
      caption: `level ${level} (${dims[level][0]}x${dims[level][1]}): ${w}x${h} at 1:1`,
    });
  }
  const figures = panels
    .map(
      (p) =>
        `<figure><img src="data:image/png;base64,${readFileSync(p.png).toString('base64')}"><figcaption>${p.caption}</figcaption></figure>`,
    )
    .join('');
  const line = summary.trim().split('\n')[0];
  const html = `<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #1b1d21; color: #e4e6ea; font: 14px/1.4 system-ui, sans-serif; padding: 16px; width: 1100px; }
.row { display: flex; flex-wrap: wrap; gap: 14px; } figure { margin: 0; } figcaption { color: #9aa0a8; font-size: 12px; }
img { image-rendering: pixelated; display: block; } pre { color: #9aa0a8; font-size: 12px; margin: 10px 0 0; white-space: pre-wrap; }
</style><body><div class="row">${figures}</div>
<pre>$ gigaquant compress scene.tif -k 32 --pyramid -o scene-k32.tif
${line.replace(/^\S+/, 'scene-k32.tif')}
$ openslide-show-properties scene-k32.tif | grep level-count
openslide.level-count: '${levels}'</pre></body>`;
  const page = join(dir, 'figure.html');
  writeFileSync(page, html);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const tab = await browser.newPage({
    viewport: { width: 1132, height: 600 },
    deviceScaleFactor: 1,
  });
  await tab.goto(`file://${page}`);
  const raw = join(dir, 'raw.png');
  await tab.screenshot({ path: raw, fullPage: true });
  await browser.close();
  run(process.execPath, [cli, 'compress', raw, '-k', '128', '-o', out, '-q']);
  console.log(`wrote ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
