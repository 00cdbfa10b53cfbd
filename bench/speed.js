// The speed rows of issue 14, each beside its yardstick in the same run (a ratio, never a bare
// time): big photo-derived tiled TIFFs against sharp's palette PNG and one libvips decode, pure
// start-up against Node loading sharp, `--version` against `node -e 0`, and whole runs on small
// photos against pngquant. Used by run.js (--speed-mpx, --speed-8gpx, --speed-runs, --speed-pairs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './measure.js';
import sharp from 'sharp';
import { makeBigPhoto } from './bigPhoto.js';
import { PHOTOS } from './fidelity.js';

/**
 * The median wall time of `runs` alternating runs of two commands, paired: a drift in the
 * machine's speed moves both alike.
 */
function pairedMedian(a, b, runs) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    ta.push(measure(a[0], a.slice(1)).seconds);
    tb.push(measure(b[0], b.slice(1)).seconds);
  }
  return { a: median(ta), b: median(tb) };
}

/** The middle value (the upper of the two middle ones of an even count). */
function median(xs) {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

/** Megapixels the `--fit-mpx` rows fit on. */
const FIT_MPX = 256;

/** Width and height of a 16:9 image of about `mpx` megapixels (the issue's 2 Gpx is 60280x33910). */
function sizeOf(mpx) {
  const width = Math.round(Math.sqrt((mpx * 1e6 * 16) / 9));
  return { width, height: Math.round((mpx * 1e6) / width) };
}

export async function runSpeed({ root, k, mpxList, runs, pairs = 3 }) {
  const cli = join(root, 'dist/bin/bin.js');
  const node = process.execPath;
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-speed-'));
  const rows = [];
  try {
    for (const mpx of mpxList) {
      const { width, height } = sizeOf(mpx);
      const input = join(work, `photo-${mpx}.tif`);
      process.stderr.write(`speed: generating a ${width}x${height} photo mosaic ...\n`);
      await makeBigPhoto(input, width, height, 128);
      // The file just written may still be being flushed to disk: a 2 Gpx run timed right after
      // its file was made took 67 s, 53 s on an older copy.
      spawnSync('sync');
      const tiffArgs = [cli, 'compress', input, '-k', String(k), '-o', join(work, 'o.tif')];
      // Alternating pairs with one decode: single runs of whole seconds vary by a tenth or more
      // here, and the ratio to one decode is what the row is for.
      const decodes = [];
      const runsHere = [];
      for (let i = 0; i < pairs; i++) {
        decodes.push(measure('vips', ['avg', input]));
        runsHere.push(measure(node, [...tiffArgs, '--tile', '512', '--json']));
      }
      const decode = { seconds: median(decodes.map((d) => d.seconds)) };
      const gq = {
        seconds: median(runsHere.map((r) => r.seconds)),
        peakMiB: Math.max(...runsHere.map((r) => r.peakMiB)),
      };
      const psnr = JSON.parse(runsHere[0].stdout).psnr;
      rows.push({
        work: `${mpx} Mpx tiled TIFF -> palette TIFF --tile 512${pairs > 1 ? ` (median of ${pairs} pairs)` : ''}`,
        tool: 'gigaquant',
        ...gq,
        psnr,
        yardstick: 'one decode (vips avg)',
        yardstickSeconds: decode.seconds,
        ratio: gq.seconds / decode.seconds,
        secondsPerMpx: gq.seconds / mpx,
      });
      // Pass 2's floor: its deflate at zlib's level 6 takes over half its CPU at 2 Gpx. The same
      // run at level 5: the time a cheaper deflate gives, and the bytes it costs.
      if (mpx >= 1000) {
        const level5 = join(work, 'o5.tif');
        const cheaper = measure(node, [
          ...tiffArgs.slice(0, -1),
          level5,
          '--tile',
          '512',
          '--quiet',
          '--compression-level',
          '5',
        ]);
        const bytes = statSync(level5).size / statSync(join(work, 'o.tif')).size;
        rmSync(level5, { force: true });
        rows.push({
          work: `${mpx} Mpx, the same with --compression-level 5 (output ${(100 * bytes - 100).toFixed(0)}% bigger than level 6's)`,
          tool: 'gigaquant',
          ...cheaper,
          yardstick: 'one decode (vips avg)',
          yardstickSeconds: decode.seconds,
          ratio: cheaper.seconds / decode.seconds,
          secondsPerMpx: cheaper.seconds / mpx,
        });
      }
      // The same run with the fit on a sample of tiles (--fit-mpx): its time, and what the
      // palette gives up over every pixel against the full fit just above.
      if (mpx >= 1000) {
        const { stdout: out, ...sampled } = measure(node, [
          ...tiffArgs,
          '--tile',
          '512',
          '--json',
          '--fit-mpx',
          String(FIT_MPX),
        ]);
        const sampledPsnr = JSON.parse(out).psnr;
        rows.push({
          work: `${mpx} Mpx, the same with --fit-mpx ${FIT_MPX} (PSNR ${(sampledPsnr - psnr).toFixed(3)} dB against every pixel's fit)`,
          tool: 'gigaquant',
          ...sampled,
          psnr: sampledPsnr,
          yardstick: 'one decode (vips avg)',
          yardstickSeconds: decode.seconds,
          ratio: sampled.seconds / decode.seconds,
          secondsPerMpx: sampled.seconds / mpx,
        });
      }
      if (mpx <= 400) {
        const png = measure(node, [
          cli,
          'compress',
          input,
          '-k',
          String(k),
          '-o',
          join(work, 'o.png'),
          '--quiet',
        ]);
        const script = `require('sharp')(process.argv[1], { limitInputPixels: false }).png({ palette: true, colours: ${k}, dither: 0 }).toFile(process.argv[2]).catch((e) => { console.error(e.message); process.exit(1); })`;
        const peer = measure(node, ['-e', script, input, join(work, 'peer.png')]);
        rows.push({
          work: `${mpx} Mpx tiled TIFF -> palette PNG`,
          tool: 'gigaquant',
          ...png,
          yardstick: 'sharp palette PNG',
          yardstickSeconds: peer.seconds,
          yardstickPeakMiB: peer.peakMiB,
          ratio: png.seconds / peer.seconds,
          secondsPerMpx: png.seconds / mpx,
        });
      }
      rmSync(input, { force: true });
      rmSync(join(work, 'o.tif'), { force: true });
    }

    // Whole runs of a fraction of a second vary by a third between runs here: the short rows
    // take more pairs than the big ones (they cost seconds in all).
    const shortRuns = Math.max(runs, 21);
    const photoRuns = Math.max(runs, 9);
    const tiny = join(work, 'tiny.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toFile(tiny);
    const start = pairedMedian(
      [node, cli, 'compress', tiny, '-k', '4', '-o', join(work, 't.png'), '--quiet'],
      [node, '-e', "require('sharp')"],
      shortRuns,
    );
    rows.push({
      work: 'compress of an 8x8 PNG (start-up)',
      tool: 'gigaquant',
      seconds: start.a,
      yardstick: 'node -e "require(\'sharp\')"',
      yardstickSeconds: start.b,
      ratio: start.a / start.b,
    });
    const version = pairedMedian([node, cli, '--version'], [node, '-e', '0'], shortRuns);
    rows.push({
      work: 'gigaquant --version',
      tool: 'gigaquant',
      seconds: version.a,
      yardstick: 'node -e 0',
      yardstickSeconds: version.b,
      ratio: version.a / version.b,
    });

    if (spawnSync('sh', ['-c', 'command -v pngquant']).status === 0) {
      for (const photo of PHOTOS.filter((p) => existsSync(p))) {
        const png = join(work, 'photo.png');
        await sharp(photo).removeAlpha().png({ compressionLevel: 1 }).toFile(png);
        const meta = await sharp(png).metadata();
        const t = pairedMedian(
          [node, cli, 'compress', png, '-k', String(k), '-o', join(work, 'p.png'), '--quiet'],
          [
            'pngquant',
            String(k),
            '--nofs',
            '--speed',
            '3',
            '--force',
            '--output',
            join(work, 'q.png'),
            png,
          ],
          photoRuns,
        );
        rows.push({
          work: `${photo.split('/').pop()} (${((meta.width * meta.height) / 1e6).toFixed(2)} Mpx), whole process`,
          tool: 'gigaquant',
          seconds: t.a,
          yardstick: `pngquant ${k} --nofs --speed 3`,
          yardstickSeconds: t.b,
          ratio: t.a / t.b,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function printSpeed(rows) {
  console.log('\nspeed: each row beside its yardstick in this run');
  console.log('| work | gigaquant s | peak MiB | yardstick | yardstick s | ratio | s per Mpx |');
  console.log('|------|-------------|----------|-----------|-------------|-------|-----------|');
  for (const r of rows) {
    console.log(
      `| ${r.work} | ${r.seconds.toFixed(2)} | ${r.peakMiB === undefined ? '' : r.peakMiB.toFixed(0)} | ${r.yardstick} | ${r.yardstickSeconds.toFixed(2)}${r.yardstickPeakMiB ? ` (${r.yardstickPeakMiB.toFixed(0)} MiB)` : ''} | ${r.ratio.toFixed(2)} | ${r.secondsPerMpx === undefined ? '' : r.secondsPerMpx.toFixed(4)} |`,
    );
  }
}
