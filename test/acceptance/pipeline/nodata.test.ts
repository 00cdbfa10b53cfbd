import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { georeference } from '../../helpers/geo.js';

let folder: ReturnType<typeof tempFolder>;
const at = (name: string): string => join(folder.dir, name);
const W = 160;
const H = 120;
/** The border: the top 15 rows and the right 25 columns. */
const isBorder = (x: number, y: number): boolean => y < 15 || x >= W - 25;
const BORDER_PIXELS = 15 * W + (H - 15) * 25;
let geo: string;

/**
 * Reads band 1 of a raster with GDAL (not with gigaquant) and says, for `index`, how many border
 * pixels and how many other pixels hold it, and what GDAL reports as the band's nodata.
 */
function gdalCounts(
  path: string,
  index: number,
): { border: number; other: number; nodata: number | null } {
  const script = `
import sys, json
from osgeo import gdal
ds = gdal.Open(sys.argv[1]); b = ds.GetRasterBand(1); a = b.ReadAsArray()
h, w = a.shape
border = other = 0
for y in range(h):
  for x in range(w):
    if a[y, x] == ${index}:
      if y < 15 or x >= w - 25: border += 1
      else: other += 1
print(json.dumps({"border": border, "other": other, "nodata": b.GetNoDataValue()}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { border: number; other: number; nodata: number | null };
}

beforeAll(async () => {
  folder = tempFolder('gq-nodata-');
  // Valid pixels never 0 in every channel; the border is 0 in every channel.
  const pixels = syntheticPixels(W, H, 3, 21);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (isBorder(x, y)) pixels.fill(0, o, o + 3);
      else if (pixels[o] === 0 && pixels[o + 1] === 0 && pixels[o + 2] === 0) pixels[o] = 1;
    }
  const plain = await writeImage(at('plain.tif'), pixels, W, H, 3, 'tiff-strip');
  geo = georeference(plain, at('geo.tif'), { width: W, height: H }, 0);
}, 30_000);
afterAll(() => folder.remove());

test.each([
  ['palette', 'geo-palette.tif', []],
  ['labels', 'geo-labels.tif', ['--labels']],
  ['palette, dithered', 'geo-dither.tif', ['--dither']],
  ['palette, tiles', 'geo-tiles.tif', ['--tile', '32']],
])(
  '%s: every border pixel and no other has the reserved index, GDAL reports it as nodata, k entries stay for the valid pixels',
  (_, name, extra) => {
    const r = runCli(['compress', geo, '-k', '8', '-o', at(name), '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.nodata).toEqual({ pixels: BORDER_PIXELS, index: 8, value: 0 });
    expect(result.palette).toHaveLength(9);
    expect(gdalCounts(at(name), 8)).toEqual({ border: BORDER_PIXELS, other: 0, nodata: 8 });
    const info = tool('gdalinfo', [at(name)]).out;
    expect(info).toMatch(/UTM zone 33N/);
    if (!extra.includes('--labels')) expect(info).toMatch(/Color Table \(RGB with 16 entries\)/);
  },
);

test('RGB output: the border is the nodata value, no valid pixel is, and GDAL says so', async () => {
  const r = runCli(['compress', geo, '-k', '8', '--rgb', '-o', at('geo-rgb.tif'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const { data } = await sharp(at('geo-rgb.tif')).raw().toBuffer({ resolveWithObject: true });
  let borderBlack = 0;
  let otherBlack = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      const black = data[o] === 0 && data[o + 1] === 0 && data[o + 2] === 0;
      if (black && isBorder(x, y)) borderBlack++;
      else if (black) otherBlack++;
    }
  expect([borderBlack, otherBlack]).toEqual([BORDER_PIXELS, 0]);
  expect(JSON.parse(tool('gdalinfo', ['-json', at('geo-rgb.tif')]).out).bands[0].noDataValue).toBe(
    0,
  );
});

test('the PSNR is over the valid pixels only, as an independent decoder measures it', async () => {
  const r = runCli(['compress', geo, '-k', '8', '-o', at('psnr.png'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const reported = JSON.parse(r.stdout).psnr as number;
  const original = await sharp(geo).raw().toBuffer();
  const quantized = await sharp(at('psnr.png')).removeAlpha().raw().toBuffer();
  let sse = 0;
  let valid = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      if (isBorder(x, y)) continue;
      valid++;
      for (let ch = 0; ch < 3; ch++)
        sse +=
          ((original[(y * W + x) * 3 + ch] as number) -
            (quantized[(y * W + x) * 3 + ch] as number)) **
          2;
    }
  expect(reported).toBeCloseTo(10 * Math.log10((255 * 255) / (sse / (valid * 3))), 6);
});

test('an RGBA PNG: transparent pixels stay exactly transparent, the others opaque; --nodata none treats them as colour', async () => {
  const rgba = syntheticPixels(W, H, 4, 8);
  for (let i = 3; i < rgba.length; i += 4)
    rgba[i] = isBorder(((i - 3) / 4) % W, Math.floor((i - 3) / 4 / W)) ? 0 : 255;
  const input = await writeImage(at('rgba.png'), rgba, W, H, 4, 'png');
  for (const [name, extra] of [
    ['rgba-out.png', []],
    ['rgba-rgb.png', ['--rgb']],
  ] as const) {
    const r = runCli(['compress', input, '-k', '8', '-o', at(name), '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).nodata).toEqual({ pixels: BORDER_PIXELS, index: 8 });
    const { data, info } = await sharp(at(name))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    for (let p = 0; p < W * H; p++)
      expect(data[p * 4 + 3]).toBe(isBorder(p % W, Math.floor(p / W)) ? 0 : 255);
  }
  expect(tool('pngcheck', [at('rgba-out.png')]).code).toBe(0);
  const none = runCli([
    'compress',
    input,
    '-k',
    '8',
    '-o',
    at('rgba-none.png'),
    '--nodata',
    'none',
    '--json',
  ]);
  expect(JSON.parse(none.stdout).nodata).toBeUndefined();
});

test('--nodata VALUE marks a white border of a PNG; the summary counts it', async () => {
  const pixels = syntheticPixels(W, H, 3, 4);
  for (let p = 0; p < W * H; p++) {
    if (isBorder(p % W, Math.floor(p / W))) pixels.fill(255, p * 3, p * 3 + 3);
    else if (pixels[p * 3] === 255 && pixels[p * 3 + 1] === 255 && pixels[p * 3 + 2] === 255)
      pixels[p * 3] = 254;
  }
  const input = await writeImage(at('white.png'), pixels, W, H, 3, 'png');
  const r = runCli(['compress', input, '-k', '6', '-o', at('white-out.tif'), '--nodata', '255']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`nodata ${BORDER_PIXELS} px \\(entry 6\\)`));
  expect(gdalCounts(at('white-out.tif'), 6)).toEqual({
    border: BORDER_PIXELS,
    other: 0,
    nodata: 6,
  });
  expect(runCli(['compress', input, '-k', '6', '-o', at('x.png'), '--nodata', 'white']).code).toBe(
    2,
  );
});

test('batch, with a shared palette: every output keeps its border as nodata', () => {
  mkdirSync(at('many'));
  for (const i of [1, 2]) tool('cp', [geo, at(`many/${i}.tif`)]);
  const out = at('many-out');
  const r = runCli([
    'batch',
    at('many/*.tif'),
    '--out-dir',
    out,
    '-k',
    '8',
    '--format',
    'tiff',
    '--shared-palette',
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  for (const i of [1, 2])
    expect(gdalCounts(join(out, `${i}.tif`), 8)).toEqual({
      border: BORDER_PIXELS,
      other: 0,
      nodata: 8,
    });
  // The shared palette was fitted on valid pixels: 8 colours, no border black among them.
  const shared = JSON.parse(readFileSync(join(out, 'gigaquant-palette.json'), 'utf8'))
    .hex as string[];
  expect(shared).toHaveLength(8);
});

test('decompress gives nodata back: the index in a palette TIFF, the value in an RGB one', () => {
  expect(runCli(['compress', geo, '-k', '8', '-o', at('back.npy')]).code).toBe(0);
  expect(JSON.parse(readFileSync(at('back.codebook.json'), 'utf8')).nodata).toBe(8);
  expect(runCli(['decompress', at('back.npy'), '-o', at('back-palette.tif')]).code).toBe(0);
  expect(gdalCounts(at('back-palette.tif'), 8)).toEqual({
    border: BORDER_PIXELS,
    other: 0,
    nodata: 8,
  });
  expect(runCli(['decompress', at('back.npy'), '--rgb', '-o', at('back-rgb.tif')]).code).toBe(0);
  expect(JSON.parse(tool('gdalinfo', ['-json', at('back-rgb.tif')]).out).bands[0].noDataValue).toBe(
    0,
  );
});

test("an indexed TIFF's nodata is an index: quantizing gigaquant's own palette TIFF again keeps the border", () => {
  expect(runCli(['compress', geo, '-k', '8', '-o', at('first.tif')]).code).toBe(0);
  const r = runCli(['compress', at('first.tif'), '-k', '4', '-o', at('second.tif'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).nodata).toEqual({ pixels: BORDER_PIXELS, index: 4, value: 8 });
  expect(gdalCounts(at('second.tif'), 4)).toEqual({ border: BORDER_PIXELS, other: 0, nodata: 4 });
});

test('translucent RGBA with transparent pixels at k=256 (PNG holds 256): 255 fitted colours and the nodata entry', async () => {
  const rgba = syntheticPixels(W, H, 4, 9);
  for (let p = 0; p < W * H; p++) {
    const x = p % W;
    rgba[p * 4 + 3] = isBorder(x, Math.floor(p / W)) ? 0 : x % 3 === 0 ? 128 : 255;
  }
  const input = await writeImage(at('translucent.png'), rgba, W, H, 4, 'png');
  const r = runCli(['compress', input, '-k', '256', '-o', at('translucent-out.png'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(r.stdout);
  expect(result.fit.method).toBe('mini-batch-kmeans');
  expect(result.nodata).toEqual({ pixels: BORDER_PIXELS, index: 255 });
  expect(result.palette).toHaveLength(256);
  expect(result.palette[255]).toBe('#00000000');
});
