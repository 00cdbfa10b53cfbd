// What --pyramid costs, and what it saves against the usual way to the same file: one image
// written as plain 512-pixel tiles, as a pyramid (the levels built in the same pass), and as plain
// tiles followed by `gdal_translate -of COG` with mode overviews (GDAL builds the levels by reading
// the tiles back). Each is its own process under GNU time; the ratios are to the plain run.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './measure.js';
import { makeLargeImage } from '../examples/largeImage.js';

export async function runPyramidBench({ root, mpx, k }) {
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-pyramid-'));
  try {
    const width = Math.round(Math.sqrt(mpx * 1e6 * 1.5));
    const height = Math.round((mpx * 1e6) / width);
    const input = join(work, 'in.tif');
    process.stderr.write(`pyramid: generating ${width}x${height} tiled TIFF ...\n`);
    await makeLargeImage(input, width, height);
    const cli = join(root, 'dist/bin/bin.js');
    const flags = ['-k', String(k), '--tile', '512', '--quiet'];
    const plainPath = join(work, 'plain.tif');
    const plain = measure(process.execPath, [cli, 'compress', input, ...flags, '-o', plainPath]);
    const pyramidPath = join(work, 'pyramid.tif');
    const pyramid = measure(process.execPath, [
      cli,
      'compress',
      input,
      ...flags,
      '--pyramid',
      '-o',
      pyramidPath,
    ]);
    const gdalPath = join(work, 'gdal-cog.tif');
    const gdal = measure('gdal_translate', [
      '-q',
      '-of',
      'COG',
      '-co',
      'COMPRESS=DEFLATE',
      '-co',
      'BLOCKSIZE=512',
      '-co',
      'OVERVIEW_RESAMPLING=MODE',
      '-co',
      'NUM_THREADS=ALL_CPUS',
      plainPath,
      gdalPath,
    ]);
    const row = (name, m, bytes) => ({ name, seconds: m.seconds, peakMiB: m.peakMiB, bytes });
    return {
      width,
      height,
      k,
      rows: [
        row('plain tiles (gigaquant)', plain, statSync(plainPath).size),
        row('--pyramid (gigaquant)', pyramid, statSync(pyramidPath).size),
        row('then gdal_translate -of COG (mode overviews)', gdal, statSync(gdalPath).size),
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printPyramid(result) {
  const [plain, pyramid, gdal] = result.rows;
  console.log(
    `\npyramid: ${result.width}x${result.height} (${((result.width * result.height) / 1e6).toFixed(0)} Mpx), k=${result.k}, 512-pixel tiles`,
  );
  console.log('| run | seconds | x plain | peak MiB | bytes |');
  console.log('|-----|---------|---------|----------|-------|');
  const line = (r, s) =>
    console.log(
      `| ${r.name} | ${s.toFixed(1)} | ${(s / plain.seconds).toFixed(2)} | ${r.peakMiB.toFixed(0)} | ${r.bytes} |`,
    );
  line(plain, plain.seconds);
  line(pyramid, pyramid.seconds);
  line(
    { ...gdal, name: 'plain tiles, then gdal_translate -of COG (total)' },
    plain.seconds + gdal.seconds,
  );
  console.log(
    `(gdal_translate alone: ${gdal.seconds.toFixed(1)} s, peak ${gdal.peakMiB.toFixed(0)} MiB)`,
  );
}
