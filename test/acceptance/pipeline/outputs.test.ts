import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decompressFile, quantizeFile } from '../../../src/index.js';
import { tool } from '../../helpers/cli.js';
import { decodeRgba, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { georeference } from '../../helpers/geo.js';

// Not a multiple of any tile size, so that edge tiles are partly padding.
const W = 203;
const H = 117;
let folder: ReturnType<typeof tempFolder>;
let rgbInput: string;
let rgbaInput: string;
beforeAll(async () => {
  folder = tempFolder('gq-out-');
  rgbInput = await writeImage(
    join(folder.dir, 'rgb.png'),
    syntheticPixels(W, H, 3),
    W,
    H,
    3,
    'png',
  );
  rgbaInput = await writeImage(
    join(folder.dir, 'rgba.png'),
    syntheticPixels(W, H, 4),
    W,
    H,
    4,
    'png',
  );
});
afterAll(() => folder.remove());

const out = (name: string) => join(folder.dir, name);

/** Pixels as libvips decodes them, for comparing two files (GIF always decodes with alpha). */
async function pixelsOf(path: string): Promise<Buffer> {
  if (path.endsWith('.gif')) return sharp(path).removeAlpha().raw().toBuffer();
  return Buffer.from((await decodeRgba(path)).data);
}

/** Runs Debian's python3 with numpy (never the one a user's PATH may put first). */
function python(code: string, ...args: string[]): Buffer {
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr.toString()}`);
  return r.stdout;
}

describe('labels + codebook', () => {
  test.each([
    ['png', 16],
    ['tif', 16],
    ['npy', 16],
    ['png', 300],
    ['tif', 300],
    ['npy', 300],
  ])('.%s labels at k=%i: decompress gives exactly the palette output', async (ext, k) => {
    const paletteExt = k > 256 ? 'tif' : 'png';
    const palette = await quantizeFile(rgbInput, out(`pal-${ext}-${k}.${paletteExt}`), { k });
    const labels = await quantizeFile(rgbInput, out(`lab-${ext}-${k}.${ext}`), {
      k,
      kind: 'labels',
    });
    expect(labels.kind).toBe('labels');
    expect(labels.codebook).toEqual({
      json: out(`lab-${ext}-${k}.codebook.json`),
      npy: out(`lab-${ext}-${k}.codebook.npy`),
    });
    expect(Array.from(labels.palette.colors)).toEqual(Array.from(palette.palette.colors));

    const bits = k > 256 ? 16 : 8;
    if (ext !== 'npy') {
      const meta = await sharp(labels.output).metadata();
      expect(meta.channels).toBe(1);
      expect(meta.depth).toBe(bits === 8 ? 'uchar' : 'ushort');
    }
    if (ext === 'png') expect(tool('pngcheck', ['-q', labels.output]).code).toBe(0);

    const back = await decompressFile(labels.output, out(`back-${ext}-${k}.${paletteExt}`));
    expect(back.codebook).toBe(labels.codebook?.json);
    expect(await pixelsOf(back.output)).toEqual(await pixelsOf(palette.output));
  });

  test('numpy loads labels and codebook, and codebook[labels] is the palette image', async () => {
    const k = 300;
    const labels = await quantizeFile(rgbInput, out('np.npy'), { k });
    expect(labels.kind).toBe('labels');
    const palette = await quantizeFile(rgbInput, out('np.tif'), { k });
    const script = [
      'import sys, numpy',
      'labels = numpy.load(sys.argv[1])',
      'codebook = numpy.load(sys.argv[2])',
      'print(labels.shape, labels.dtype, codebook.shape, codebook.dtype, file=sys.stderr)',
      'assert labels.shape == (int(sys.argv[3]), int(sys.argv[4])), labels.shape',
      'assert labels.dtype == numpy.uint16 and codebook.dtype == numpy.uint8',
      'sys.stdout.buffer.write(codebook[labels].tobytes())',
    ].join('\n');
    const rebuilt = python(script, labels.output, labels.codebook!.npy, String(H), String(W));
    expect(rebuilt.equals(await pixelsOf(palette.output))).toBe(true);
    // The .npy codebook and the JSON one hold the same colours.
    const json = JSON.parse(readFileSync(labels.codebook!.json, 'utf8')) as { colors: number[][] };
    expect(json.colors.flat()).toEqual(Array.from(labels.palette.colors));
  });

  test('an RGBA image keeps its alpha in the codebook', async () => {
    const labels = await quantizeFile(rgbaInput, out('rgba-labels.png'), { k: 8, kind: 'labels' });
    expect(labels.palette.channels).toBe(4);
    const back = await decompressFile(labels.output, out('rgba-back.png'));
    const direct = await quantizeFile(rgbaInput, out('rgba-direct.png'), { k: 8 });
    expect(await pixelsOf(back.output)).toEqual(await pixelsOf(direct.output));
  });

  test('an RGBA codebook decompressed to JPEG loses its alpha, with a warning', async () => {
    const labels = await quantizeFile(rgbaInput, out('rgba-to-jpg.png'), { k: 8, kind: 'labels' });
    const jpg = await decompressFile(labels.output, out('rgba-to-jpg.jpg'));
    expect(jpg.warnings.join('\n')).toMatch(/JPEG cannot store transparency; the codebook's alpha/);
    expect((await sharp(jpg.output).metadata()).channels).toBe(3);
  });

  test.each(['jpg', 'webp'])('labels as .%s are refused, and nothing is written', async (ext) => {
    const target = out(`refused.${ext}`);
    await expect(quantizeFile(rgbInput, target, { k: 8, kind: 'labels' })).rejects.toThrow(
      /label images must be lossless/,
    );
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(folder.dir).filter((f) => f.includes('refused'))).toEqual([]);
  });

  test('a label that is not in the codebook is an error naming the file, and no output is left', async () => {
    const labels = await quantizeFile(rgbInput, out('wide.tif'), { k: 40, kind: 'labels' });
    const small = { size: 4, channels: 3, colors: new Uint8Array(12) };
    const target = out('wrong-codebook.png');
    await expect(decompressFile(labels.output, target, { codebook: small })).rejects.toThrow(
      /wide\.tif: label \d+ at row \d+, column \d+ is outside the codebook of 4 colours/,
    );
    expect(readdirSync(folder.dir).filter((f) => f.includes('wrong-codebook'))).toEqual([]);
  });

  test('a colour image is not taken for labels', async () => {
    await expect(
      decompressFile(rgbInput, out('x.png'), { codebook: out('wide.codebook.json') }),
    ).rejects.toThrow(/rgb\.png: not a label image/);
  });
});

describe('quantized RGB output', () => {
  test.each<[string, { kind?: 'rgb'; tile?: number }]>([
    ['png', { kind: 'rgb' }],
    ['tif', { kind: 'rgb' }],
    ['tif', { kind: 'rgb', tile: 64 }],
    ['webp', {}],
    ['gif', {}],
  ])('.%s %j holds exactly the palette colours', async (ext, options) => {
    const name = `rgb-${ext}-${options.tile ?? 'strips'}.${ext}`;
    const result = await quantizeFile(rgbInput, out(name), { k: 12, ...options });
    expect(result.kind).toBe('rgb');
    const meta = await sharp(result.output).metadata();
    expect([meta.width, meta.height]).toEqual([W, H]);
    const palette = await quantizeFile(rgbInput, out(`rgb-ref-${name}.png`), { k: 12 });
    expect(await pixelsOf(result.output)).toEqual(await pixelsOf(palette.output));
  });

  test.each([
    ['jpg', 'jpeg', 'JPEG'],
    ['avif', 'heif', 'AVIF'],
  ])('.%s is close to the palette image (lossy) and says so', async (ext, format, name) => {
    const result = await quantizeFile(rgbInput, out(`q.${ext}`), { k: 12, quality: 95 });
    expect(result.kind).toBe('rgb');
    expect((await sharp(result.output).metadata()).format).toBe(format);
    const palette = await quantizeFile(rgbInput, out('q-ref.png'), { k: 12 });
    const [a, b] = [await pixelsOf(result.output), await pixelsOf(palette.output)];
    let sse = 0;
    for (let i = 0; i < a.length; i++) sse += ((a[i] as number) - (b[i] as number)) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (sse / a.length));
    expect(psnr).toBeGreaterThan(30);
    expect(psnr).toBeLessThan(Infinity);
    expect(result.warnings.join('\n')).toContain(`${name} is lossy here`);
  });

  test('RGBA keeps alpha in RGB TIFF and PNG; JPEG drops it with a warning', async () => {
    const tif = await quantizeFile(rgbaInput, out('rgba.tif'), { k: 8, kind: 'rgb' });
    expect((await sharp(tif.output).metadata()).channels).toBe(4);
    expect(tool('tiffinfo', [tif.output]).out).toMatch(/Extra Samples: 1<unassoc-alpha>/);
    const png = await quantizeFile(rgbaInput, out('rgba-labels-ref.png'), { k: 8 });
    expect(await pixelsOf(tif.output)).toEqual(await pixelsOf(png.output));
    const jpg = await quantizeFile(rgbaInput, out('rgba.jpg'), { k: 8 });
    expect(jpg.warnings.join('\n')).toMatch(/JPEG cannot store transparency/);
  });

  test('WebP wider than the format allows is refused before any work', async () => {
    const wide = await writeImage(
      out('wide.png'),
      syntheticPixels(16400, 2, 3),
      16400,
      2,
      3,
      'png',
    );
    await expect(quantizeFile(wide, out('wide.webp'), { k: 4 })).rejects.toThrow(
      /wide\.webp: WebP images are at most 16383 pixels a side .* 16400x2; write \.png or \.tif/,
    );
    expect(existsSync(out('wide.webp'))).toBe(false);
  });

  test('a PNG with more than 256 colours is written as RGB, with a warning', async () => {
    const result = await quantizeFile(rgbInput, out('k300.png'), { k: 300 });
    expect(result.kind).toBe('rgb');
    expect(result.warnings.join('\n')).toMatch(/at most 256 colours/);
    expect(tool('pngcheck', ['-v', result.output]).out).toMatch(/24-bit RGB/);
  });

  test('decompress writes JPEG and RGB TIFF too', async () => {
    const labels = await quantizeFile(rgbInput, out('d.png'), { k: 10, kind: 'labels' });
    const tif = await decompressFile(labels.output, out('d-rgb.tif'), { kind: 'rgb' });
    const ref = await quantizeFile(rgbInput, out('d-ref.png'), { k: 10 });
    expect(await pixelsOf(tif.output)).toEqual(await pixelsOf(ref.output));
    const jpg = await decompressFile(labels.output, out('d.jpg'));
    expect(jpg.kind).toBe('rgb');
    expect((await sharp(jpg.output).metadata()).format).toBe('jpeg');
  });
});

describe('tiled TIFF', () => {
  test.each([
    [12, 'palette' as const, 16],
    [300, 'palette' as const, 32],
    [300, 'labels' as const, 64],
  ])(
    'k=%i %s in %i-pixel tiles: tiffinfo shows tiles, pixels equal the strips',
    async (k, kind, tile) => {
      const tiled = await quantizeFile(rgbInput, out(`tiled-${k}-${kind}.tif`), { k, kind, tile });
      const strips = await quantizeFile(rgbInput, out(`strips-${k}-${kind}.tif`), { k, kind });
      const info = tool('tiffinfo', [tiled.output]).out;
      expect(info).toContain(`Tile Width: ${tile} Tile Length: ${tile}`);
      expect(tool('tiffinfo', [strips.output]).out).toMatch(/Rows\/Strip/);
      const raw = (p: string) => sharp(p).raw({ depth: 'ushort' }).toBuffer();
      expect(await raw(tiled.output)).toEqual(await raw(strips.output));
    },
  );

  test('tiles must be a multiple of 16, and are for TIFF only', async () => {
    await expect(quantizeFile(rgbInput, out('t.tif'), { k: 4, tile: 100 })).rejects.toThrow(
      /multiple of 16/,
    );
    await expect(quantizeFile(rgbInput, out('t.png'), { k: 4, tile: 64 })).rejects.toThrow(
      /tiles are for TIFF/,
    );
  });
});

describe('metadata survives', () => {
  let tagged: string;
  let profile: Buffer;
  beforeAll(async () => {
    tagged = out('p3-300dpi.png');
    await sharp(Buffer.from(syntheticPixels(W, H, 3)), {
      raw: { width: W, height: H, channels: 3 },
    })
      .withIccProfile('p3')
      .withMetadata({ density: 300 })
      .png()
      .toFile(tagged);
    profile = (await sharp(tagged).metadata()).icc as Buffer;
    expect(profile.length).toBeGreaterThan(100);
  });

  test.each([
    ['png', {}],
    ['tif', {}],
    ['tif', { kind: 'rgb' as const, tile: 32 }],
    ['jpg', {}],
    ['webp', {}],
  ])('.%s %j: the ICC profile byte for byte, and 300 dpi', async (ext, options) => {
    const result = await quantizeFile(
      tagged,
      out(`meta-${JSON.stringify(options).length}.${ext}`),
      {
        k: 8,
        ...options,
      },
    );
    const meta = await sharp(result.output).metadata();
    expect(meta.icc && Buffer.compare(meta.icc, profile)).toBe(0);
    // WebP has no resolution field.
    if (ext !== 'webp') expect(meta.density).toBeCloseTo(300, 0);
    if (ext === 'png')
      expect(tool('pngcheck', ['-v', result.output]).out).toMatch(/iCCP[\s\S]*pHYs.*300 dpi/);
    if (ext === 'tif') {
      const info = tool('tiffinfo', [result.output]).out;
      expect(info).toMatch(/ICC Profile: <present>/);
      expect(info).toMatch(/Resolution: 300, 300 pixels\/inch/);
    }
  });

  test('label images carry no profile; decompress puts it back from the codebook', async () => {
    const labels = await quantizeFile(tagged, out('meta-labels.png'), { k: 8, kind: 'labels' });
    expect((await sharp(labels.output).metadata()).icc).toBeUndefined();
    const back = await decompressFile(labels.output, out('meta-back.png'));
    const direct = await quantizeFile(tagged, out('meta-direct.png'), { k: 8 });
    expect(readFileSync(back.output).equals(readFileSync(direct.output))).toBe(true);
  });
});

describe('GeoTIFF', () => {
  let geo: string;
  beforeAll(() => {
    // GDAL, not gigaquant, makes the georeferenced input: UTM 33N, 10 m pixels, nodata 0.
    geo = georeference(rgbInput, out('geo.tif'), { width: W, height: H }, 0);
  });

  const gdalinfo = (path: string) =>
    JSON.parse(tool('gdalinfo', ['-json', path]).out) as {
      coordinateSystem: { wkt: string };
      geoTransform: number[];
      bands: { noDataValue?: number }[];
    };

  test.each([
    ['palette', 'geo-palette.tif', {}],
    ['labels', 'geo-labels.tif', { kind: 'labels' as const }],
    ['rgb tiled', 'geo-rgb.tif', { kind: 'rgb' as const, tile: 64 }],
  ])(
    '%s: gdalinfo shows the same coordinate system and geotransform, and nodata as GDAL reads it',
    async (_, name, options) => {
      const result = await quantizeFile(geo, out(name), { k: 16, ...options });
      const before = gdalinfo(geo);
      const after = gdalinfo(result.output);
      expect(before.coordinateSystem.wkt).toContain('UTM zone 33N');
      expect(after.coordinateSystem.wkt).toBe(before.coordinateSystem.wkt);
      expect(after.geoTransform).toEqual(before.geoTransform);
      expect(after.geoTransform).toEqual([500000, 10, 0, 5000000, 0, -10]);
      // GDAL's nodata names the reserved entry of a palette or label image, the value in RGB.
      expect(result.nodata?.index).toBe(16);
      expect(after.bands[0]?.noDataValue).toBe(name === 'geo-rgb.tif' ? 0 : 16);
    },
  );

  test('decompress keeps the georeference of the labels', async () => {
    const labels = await quantizeFile(geo, out('geo-l.tif'), { k: 16, kind: 'labels' });
    const back = await decompressFile(labels.output, out('geo-back.tif'));
    expect(gdalinfo(back.output).geoTransform).toEqual(gdalinfo(geo).geoTransform);
  });
});
