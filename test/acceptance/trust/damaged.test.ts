import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeNpy } from '../../../src/io/npy.js';
import { runCli, tool } from '../../helpers/cli.js';
import { expectCleanFailure, runIsolated } from '../../helpers/cleanRun.js';
import { flipSegment, shortenSegment } from '../../helpers/damage.js';
import { noisyPixels, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

/**
 * Damaged and unusual files: each ends in a correct output or a clear failure (exit 3, a message
 * naming the file, no trace, nothing left behind); never in a wrong picture with exit 0.
 */
const folder = tempFolder('gq-damaged-');
const root = folder.dir;
const at = (name: string): string => join(root, name);
afterAll(() => folder.remove());

beforeAll(async () => {
  const pixels = syntheticPixels(300, 200, 3, 21);
  await writeImage(at('tiled.tif'), pixels, 300, 200, 3, 'tiff-tiled');
  await writeImage(at('strips.tif'), pixels, 300, 200, 3, 'tiff-strip');
  await writeImage(at('photo.png'), pixels, 300, 200, 3, 'png');
});

describe('a damaged TIFF (pixel data hurt, directory intact) fails the file', () => {
  const cases = [
    ['tile bytes flipped', 'tiled.tif', flipSegment],
    ['tile cut short', 'tiled.tif', shortenSegment],
    ['strip bytes flipped', 'strips.tif', flipSegment],
  ] as const;

  test.each(cases)(
    '%s: libvips refuses it, and so does compress (exit 3)',
    async (_, from, hurt) => {
      const bad = at(`bad-${from}-${hurt.name}.tif`);
      await hurt(at(from), bad, 5);
      expect(tool('vips', ['copy', bad, at('vips-ref.v')]).code).not.toBe(0);
      const r = runIsolated(root, (out, tmp) => [
        'compress',
        bad,
        '-k',
        '8',
        '-o',
        join(out, 'x.png'),
        '--tmp-dir',
        tmp,
      ]);
      expectCleanFailure(r, 3, new RegExp(`${bad.replace(/[.]/g, '\\.')}: cannot read rows`));
    },
  );

  test.each([
    ['PNG', 'x.png', []],
    ['a tiled TIFF', 'x.tif', ['--tile', '16']],
  ])(
    'found by the read ahead of small bands, into %s: exit 3, nothing left',
    async (_, name, more) => {
      // With a palette given, pass 2 is the first to read. With bands of 8 rows, the band that
      // holds the damage is read while the one before is written: its failure must wait for
      // the loop, not end the process (exit 1, a temp file left).
      const palette = at('ahead-palette.json');
      const fit = runCli([
        'compress',
        at('tiled.tif'),
        '-k',
        '8',
        '-o',
        at('ahead.png'),
        '--palette-out',
        palette,
      ]);
      expect(fit.code, fit.stderr).toBe(0);
      const bad = at(`bad-ahead-${name}.tif`);
      await shortenSegment(at('tiled.tif'), bad, 5);
      const r = runIsolated(root, (out, tmp) => [
        'compress',
        bad,
        '--palette',
        palette,
        '--band-height',
        '8',
        ...more,
        '-o',
        join(out, name),
        '--tmp-dir',
        tmp,
      ]);
      expectCleanFailure(r, 3, new RegExp(`${bad.replace(/[.]/g, '\\.')}: cannot read rows`));
    },
  );

  test('sweep fails on it too', async () => {
    const bad = at('bad-sweep.tif');
    await flipSegment(at('tiled.tif'), bad, 7);
    const r = runIsolated(root, (_out, tmp) => ['sweep', bad, '--k', '2,4', '--tmp-dir', tmp]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad-sweep\.tif: cannot read rows/);
    expect(r.tmpLeft).toEqual([]);
  });

  test('batch records it failed, as bad input, and does not call it done', async () => {
    const input = at('batchin-bad.tif');
    await flipSegment(at('tiled.tif'), input, 3);
    const r = runIsolated(root, (out, tmp) => [
      'batch',
      input,
      '--out-dir',
      out,
      '-k',
      '8',
      '--tmp-dir',
      tmp,
      '--json',
    ]);
    expect(r.code).toBe(5);
    const end = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; record?: { status: string; error?: { code: string } } },
      )
      .find((e) => e.type === 'file-end');
    expect(end?.record?.status).toBe('failed');
    expect(end?.record?.error?.code).toBe('E_INPUT_CORRUPT');
    expect(r.outLeft.filter((f) => f.endsWith('.png'))).toEqual([]);
  });
});

describe('floating-point samples come out as libvips shows them', () => {
  test.each([
    ['0-255', 1],
    ['0-1', 1 / 255],
  ])(
    'float TIFF with values %s: every pixel is the palette entry nearest the libvips reading',
    async (_, scale) => {
      const float = at(`float-${scale}.tif`);
      expect(tool('vips', ['linear', at('photo.png'), float, String(scale), '0.3']).code).toBe(0);
      expect(tool('vips', ['copy', float, at(`float-ref-${scale}.png`)]).code).toBe(0);
      const out = at(`float-out-${scale}.png`);
      const r = runCli(['compress', float, '-k', '16', '-o', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { palette: string[]; mse: number };
      const ref = await sharp(at(`float-ref-${scale}.png`))
        .raw()
        .toBuffer();
      const got = await sharp(out).toColourspace('srgb').removeAlpha().raw().toBuffer();
      const colors = result.palette.map((h) =>
        [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)),
      );
      let sse = 0;
      for (let p = 0; p < ref.length / 3; p++) {
        const px = [ref[p * 3], ref[p * 3 + 1], ref[p * 3 + 2]] as number[];
        const d = colors.map((c) => c.reduce((s, v, ch) => s + (v - (px[ch] as number)) ** 2, 0));
        const best = d.indexOf(Math.min(...d));
        sse += d[best] as number;
        expect(Array.from(got.subarray(p * 3, p * 3 + 3))).toEqual(colors[best]);
      }
      expect(result.mse).toBeCloseTo(sse / ref.length, 10);
      expect(r.stderr).toMatch(/floating-point samples are read as libvips shows them/);
    },
  );
});

describe('empty and odd inputs are bad input, with messages a user can act on', () => {
  test('a 64-bit float TIFF is refused, saying what to do', () => {
    const double = at('double.tif');
    expect(tool('vips', ['cast', at('photo.png'), double, 'double']).code).toBe(0);
    const r = runIsolated(root, (out, tmp) => [
      'compress',
      double,
      '-k',
      '8',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(
      r,
      3,
      /double\.tif: has 64-bit floating-point samples, which are not read; convert them/,
    );
  });

  test('labels of 0 rows: decompress refuses them (exit 3), writes nothing', () => {
    const labels = at('empty.npy');
    writeFileSync(labels, encodeNpy({ shape: [0, 320], data: new Uint8Array(0) }));
    writeFileSync(
      at('empty.codebook.json'),
      JSON.stringify({
        size: 2,
        channels: 3,
        colors: [
          [0, 0, 0],
          [255, 255, 255],
        ],
      }),
    );
    const r = runIsolated(root, (out, tmp) => [
      'decompress',
      labels,
      '-o',
      join(out, 'back.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(r, 3, /empty\.npy: .*no pixels/);
  });

  test('a corrupt codebook is bad input (exit 3), not a usage error', () => {
    const labels = at('cb.npy');
    writeFileSync(labels, encodeNpy({ shape: [2, 2], data: Uint8Array.of(0, 1, 1, 0) }));
    writeFileSync(at('cb.codebook.json'), '{"colors": [[0, 0, 0], [255, 255');
    const r = runIsolated(root, (out, tmp) => [
      'decompress',
      labels,
      '-o',
      join(out, 'back.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(r, 3, /cb\.codebook\.json:1: not a palette/);
  });

  test('a 5-channel TIFF is refused by name, saying what is read', () => {
    const five = at('five.tif');
    expect(
      tool('vips', ['bandjoin_const', at('photo.png'), five + '[compression=deflate]', '7 9']).code,
    ).toBe(0);
    const r = runIsolated(root, (out, tmp) => [
      'compress',
      five,
      '-k',
      '8',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(
      r,
      3,
      /five\.tif: has 5 channels; gigaquant reads grey, grey \+ alpha, RGB and RGBA/,
    );
  });

  test('a PNG whose data libvips cannot decode gives a reason, never "Unknown error"', () => {
    const png = readFileSync(at('photo.png'));
    const bad = Buffer.from(png);
    // A header that says two columns more than the data holds (libvips: "Unknown error").
    bad[19] = (bad[19] as number) + 2;
    writeFileSync(at('hurt.png'), bad);
    const r = runIsolated(root, (out, tmp) => [
      'compress',
      at('hurt.png'),
      '-k',
      '8',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(r, 3, /hurt\.png: /);
    expect(r.stderr).not.toMatch(/Unknown error/);
  });
});

describe('EXIF orientation', () => {
  test.each([3, 6, 8])(
    'orientation %i: the output shows the way the input shows',
    async (orientation) => {
      const w = 90;
      const h = 40;
      const pixels = syntheticPixels(w, h, 3, 40 + orientation);
      const input = at(`turned-${orientation}.jpg`);
      await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 95 })
        .withMetadata({ orientation })
        .toFile(input);
      // What viewers show: libvips' own auto-orientation, as an upright PNG.
      const upright = at(`upright-${orientation}.png`);
      await sharp(input).rotate().png().toFile(upright);
      const r = runCli(['compress', input, '-k', '8', '-o', at(`turned-${orientation}.png`)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`orientation tag \\(${orientation}\\)`));
      expect(
        runCli(['compress', upright, '-k', '8', '-o', at(`upright-${orientation}.out.png`)]).code,
      ).toBe(0);
      const got = await sharp(at(`turned-${orientation}.png`))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const want = await sharp(at(`upright-${orientation}.out.png`))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([got.info.width, got.info.height]).toEqual(orientation >= 5 ? [h, w] : [w, h]);
      expect(got.data.equals(want.data)).toBe(true);
    },
  );
});

describe('a header that promises more than the file holds', () => {
  test('a BigTIFF whose GeoTIFF tag points past its end: exit 3, naming the header', () => {
    const geo = at('geo-big.tif');
    const made = tool('gdal_translate', [
      '-q',
      '-co',
      'BIGTIFF=YES',
      '-a_srs',
      'EPSG:32633',
      '-a_ullr',
      '500000',
      '5000200',
      '500300',
      '5000000',
      at('photo.png'),
      geo,
    ]);
    expect(made.code, made.out).toBe(0);
    const bytes = readFileSync(geo);
    const ifd = Number(bytes.readBigUInt64LE(8));
    const count = Number(bytes.readBigUInt64LE(ifd));
    let patched = false;
    for (let e = 0; e < count; e++) {
      const entry = ifd + 8 + e * 20;
      // ModelTiepoint: six doubles, stored away from the entry, at an offset.
      if (bytes.readUInt16LE(entry) === 33922) {
        bytes.writeBigUInt64LE(2n ** 50n, entry + 12);
        patched = true;
      }
    }
    expect(patched).toBe(true);
    writeFileSync(geo, bytes);
    const r = runIsolated(root, (out, tmp) => [
      'compress',
      geo,
      '-k',
      '8',
      '-o',
      join(out, 'x.tif'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(r, 3, /geo-big\.tif: damaged TIFF header \(TIFF points past its end/);
  });

  test('a 287-byte JPEG declaring 50000x50000 is refused in seconds (exit 3), nothing spooled', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'grey' } })
      .jpeg()
      .toBuffer();
    // Rewrite the frame header's size: the data still describes 64x64 pixels.
    for (let at = 2; at < jpeg.length; at += 2 + jpeg.readUInt16BE(at + 2)) {
      if (jpeg[at + 1] === 0xc0) {
        jpeg.writeUInt16BE(50000, at + 5);
        jpeg.writeUInt16BE(50000, at + 7);
        break;
      }
    }
    writeFileSync(at('forged.jpg'), jpeg);
    const started = Date.now();
    const r = runIsolated(root, (out, tmp) => [
      'compress',
      at('forged.jpg'),
      '-k',
      '4',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expectCleanFailure(r, 3, /forged\.jpg: declares 50000x50000 pixels but holds \d+ bytes/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('the fit lets go of its thread when a file fails', () => {
  test('a damaged TIFF fails in pass 1: the k-means partner thread is stopped', async () => {
    const bad = at('bad-partner.tif');
    await sharp(noisyPixels(400, 400, 3, 7), { raw: { width: 400, height: 400, channels: 3 } })
      .tiff({ compression: 'deflate', tile: true, tileWidth: 64, tileHeight: 64 })
      .toFile(at('partner.tif'));
    await flipSegment(at('partner.tif'), bad, 20);
    // The build, in a process of its own: only there does k-means start its partner thread.
    const dist = (path: string): string => new URL(`../../../dist/${path}`, import.meta.url).href;
    const script = `
      const { quantizeFile } = await import(${JSON.stringify(dist('pipeline/quantizeFile.js'))});
      const { partnerThread } = await import(${JSON.stringify(dist('runtime/partnerThread.js'))});
      const { warmUpLloydPartner } = await import(${JSON.stringify(dist('cluster/kernels/LloydPartner.js'))});
      warmUpLloydPartner();
      const started = partnerThread.running;
      const failed = await quantizeFile(${JSON.stringify(bad)}, ${JSON.stringify(at('bad-partner.png'))}, { k: 64 })
        .then(() => false, () => true);
      console.log(JSON.stringify({ started, failed, running: partnerThread.running }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(r.stdout)).toEqual({ started: true, failed: true, running: false });
  });
});
