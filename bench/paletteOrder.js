// Does the order of palette entries change the compressed size at equal pixels? Each photo is
// fitted once (gigaquant's order: dark to light), then the same palette is written in two other
// orders, by frequency (most pixels first) and along a short path through colour space (greedy
// nearest neighbour from the darkest), and applied with --palette: the same pixels (checked by
// libvips, but for pixels at equal distance from two entries, which go to the lower index), only
// the indices' numbering differs.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { measure } from './measure.js';
import { PHOTOS } from './fidelity.js';

/** Entry counts from a .npy label image (uint8 or uint16). */
function labelCounts(npyPath, size) {
  const bytes = readFileSync(npyPath);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const body = bytes.subarray(10 + headerLength);
  const wide = header.includes('<u2');
  const counts = new Float64Array(size);
  const n = wide ? body.length / 2 : body.length;
  for (let i = 0; i < n; i++) counts[wide ? body.readUInt16LE(i * 2) : body[i]]++;
  return counts;
}

function byFrequency(colors, counts) {
  return colors
    .map((c, i) => ({ c, n: counts[i] }))
    .sort((a, b) => b.n - a.n)
    .map((e) => e.c);
}

function alongPath(colors) {
  const left = colors.slice(1);
  const path = [colors[0]];
  while (left.length > 0) {
    const at = path[path.length - 1];
    let best = 0;
    let bestD = Infinity;
    left.forEach((c, i) => {
      const d = c.reduce((s, v, ch) => s + (v - at[ch]) ** 2, 0);
      if (d < bestD) [best, bestD] = [i, d];
    });
    path.push(left.splice(best, 1)[0]);
  }
  return path;
}

export async function runPaletteOrder({ root, ks = [16, 64, 256] }) {
  const cli = join(root, 'dist/bin/bin.js');
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-order-'));
  const rows = [];
  const run = (...args) => measure(process.execPath, [cli, 'compress', ...args, '--quiet']);
  try {
    for (const k of ks) {
      const totals = { png: {}, tiff: {} };
      let mismatched = 0;
      let pixels = 0;
      for (const photo of PHOTOS.filter((p) => existsSync(p))) {
        const at = (name) => join(work, `${basename(photo)}.k${k}.${name}`);
        run(photo, '-k', String(k), '-o', at('labels.npy'));
        const palette = JSON.parse(readFileSync(at('labels.codebook.json'), 'utf8'));
        const counts = labelCounts(at('labels.npy'), palette.size);
        const orders = {
          luma: palette.colors,
          frequency: byFrequency(palette.colors, counts),
          path: alongPath(palette.colors),
        };
        let reference;
        for (const [name, colors] of Object.entries(orders)) {
          writeFileSync(at(`${name}.json`), JSON.stringify({ colors }));
          for (const format of ['png', 'tiff']) {
            const out = at(`${name}.${format === 'png' ? 'png' : 'tif'}`);
            run(photo, '--palette', at(`${name}.json`), '-o', out);
            totals[format][name] = (totals[format][name] ?? 0) + statSync(out).size;
          }
          const decoded = await sharp(at(`${name}.png`))
            .removeAlpha()
            .raw()
            .toBuffer();
          if (!reference) {
            reference = decoded;
            pixels += decoded.length / 3;
          } else
            for (let i = 0; i < decoded.length; i += 3)
              if (decoded.compare(reference, i, i + 3, i, i + 3) !== 0) mismatched++;
        }
      }
      for (const format of ['png', 'tiff'])
        rows.push({ k, format, ...totals[format], tiedPixels: mismatched, pixels });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function printPaletteOrder(rows) {
  console.log(
    '\npalette order: the seven photos, total bytes at equal pixels (ratio to dark-to-light)',
  );
  console.log(
    '| k | format | dark to light (now) | by frequency | along a colour path | pixels on ties (other entry) |',
  );
  console.log(
    '|---|--------|---------------------|--------------|---------------------|------------------------------|',
  );
  for (const r of rows) {
    const ratio = (v) => `${v} (${(v / r.luma).toFixed(3)})`;
    console.log(
      `| ${r.k} | ${r.format} | ${r.luma} | ${ratio(r.frequency)} | ${ratio(r.path)} | ${r.tiedPixels} of ${r.pixels * 2} |`,
    );
  }
}
