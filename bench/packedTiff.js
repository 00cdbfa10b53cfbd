// What packed TIFF indices save: each photo at k = 2, 4 and 16 as a palette TIFF (indices packed
// to 1, 2 or 4 bits) beside the same indices as an 8-bit label TIFF (the same bytes per index
// gigaquant wrote before packing; its codebook goes to a side file and is not counted).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { measure } from './measure.js';
import { PHOTOS } from './fidelity.js';

export function runPackedTiff({ root }) {
  const cli = join(root, 'dist/bin/bin.js');
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-packed-'));
  const rows = [];
  try {
    for (const k of [2, 4, 16]) {
      let packed = 0;
      let eightBit = 0;
      for (const photo of PHOTOS.filter((p) => existsSync(p))) {
        const out = join(work, `${basename(photo)}.tif`);
        const labels = join(work, `${basename(photo)}.labels.tif`);
        measure(process.execPath, [cli, 'compress', photo, '-k', String(k), '-o', out, '--quiet']);
        measure(process.execPath, [
          cli,
          'compress',
          photo,
          '-k',
          String(k),
          '-o',
          labels,
          '--labels',
          '--quiet',
        ]);
        packed += statSync(out).size;
        eightBit += statSync(labels).size;
      }
      rows.push({ k, packedBytes: packed, eightBitBytes: eightBit, ratio: packed / eightBit });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function printPackedTiff(rows) {
  console.log('\npacked TIFF indices: the seven photos, total bytes');
  console.log('| k | bits | palette TIFF (packed) | 8-bit indices | packed / 8-bit |');
  console.log('|---|------|-----------------------|---------------|----------------|');
  for (const r of rows) {
    const bits = r.k <= 2 ? 1 : r.k <= 4 ? 2 : 4;
    console.log(
      `| ${r.k} | ${bits} | ${r.packedBytes} | ${r.eightBitBytes} | ${r.ratio.toFixed(2)} |`,
    );
  }
}
