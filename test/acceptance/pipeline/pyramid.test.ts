import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { georeference } from '../../helpers/geo.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
const at = (name: string): string => join(folder.dir, name);
// Odd sizes: levels round up, and edge tiles and the last odd rows and columns are exercised.
const W = 1203;
const H = 901;
const LEVELS = [
  [1203, 901],
  [602, 451],
  [301, 226],
  [151, 113],
];
let geo: string;

beforeAll(async () => {
  folder = tempFolder('gq-pyramid-');
  const plain = await writeImage(
    at('plain.tif'),
    syntheticPixels(W, H, 3, 17),
    W,
    H,
    3,
    'tiff-strip',
  );
  geo = georeference(plain, at('geo.tif'), { width: W, height: H });
}, 60_000);
afterAll(() => folder.remove());

/**
 * With GDAL's Python bindings, not gigaquant: every reduced level's indices against the rule
 * applied to the level above it (the most frequent index of each 2x2 block, ties to the first in
 * reading order), computed here with numpy.
 */
function levelsFollowTheRule(path: string): string {
  const script = `
import sys
import numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1])  # kept: a band outliving its dataset crashes GDAL
band = ds.GetRasterBand(1)
above = band.ReadAsArray()
out = []
for i in range(band.GetOverviewCount()):
    ov = band.GetOverview(i).ReadAsArray()
    h, w = above.shape
    padded = np.pad(above, ((0, h % 2), (0, w % 2)), mode='edge')
    a, b = padded[0::2, 0::2], padded[0::2, 1::2]
    c, d = padded[1::2, 0::2], padded[1::2, 1::2]
    want = np.where((a == b) | (a == c) | (a == d), a,
           np.where((b == c) | (b == d), b, np.where(c == d, c, a)))
    out.append('%dx%d %s' % (ov.shape[1], ov.shape[0], 'same' if np.array_equal(want, ov) else 'DIFFERENT'))
    above = ov
print(' '.join(out))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

test('a palette COG: GDAL lists the overviews, the colour table and the same coordinate system; the validator passes it', () => {
  const r = runCli(['compress', geo, '-k', '16', '--pyramid', '-o', at('cog.tif')]);
  expect(r.code, r.stderr).toBe(0);
  const info = tool('gdalinfo', [at('cog.tif')]).out;
  expect(info).toMatch(/Overviews: 602x451, 301x226, 151x113/);
  expect(info).toMatch(/Color Table \(RGB with 16 entries\)/);
  expect(info).toMatch(/UTM zone 33N/);
  expect(info).toMatch(/Block=256x256/);
  expect(JSON.parse(tool('gdalinfo', ['-json', at('cog.tif')]).out).geoTransform).toEqual(
    JSON.parse(tool('gdalinfo', ['-json', geo]).out).geoTransform,
  );
  const validator = spawnSync(
    '/usr/bin/python3',
    [
      '/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py',
      at('cog.tif'),
    ],
    { encoding: 'utf8' },
  );
  expect(validator.stdout + validator.stderr).toMatch(/is a valid cloud optimized GeoTIFF/);
  expect(validator.status).toBe(0);
  expect(levelsFollowTheRule(at('cog.tif'))).toBe('602x451 same 301x226 same 151x113 same');
  expect(readdirSync(folder.dir).filter((f) => f.includes('gigaquant-tmp'))).toEqual([]);
});

test('OpenSlide reports the levels and their sizes; libvips reads every level as a page', async () => {
  const props = tool('openslide-show-properties', [at('cog.tif')]).out;
  expect(props).toMatch(/openslide\.level-count: '4'/);
  LEVELS.forEach(([w, h], i) => {
    expect(props).toContain(`openslide.level[${i}].width: '${w}'`);
    expect(props).toContain(`openslide.level[${i}].height: '${h}'`);
  });
  const full = await sharp(at('cog.tif')).raw().toBuffer();
  for (let page = 0; page < LEVELS.length; page++) {
    const { data, info } = await sharp(at('cog.tif'), { page })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual(LEVELS[page]);
    // Page 0 is the image a plain TIFF of the same options holds.
    if (page === 0) expect(data.equals(full)).toBe(true);
  }
  expect(
    runCli(['compress', geo, '-k', '16', '--tile', '256', '-o', at('plain-tiles.tif')]).code,
  ).toBe(0);
  expect((await sharp(at('plain-tiles.tif')).raw().toBuffer()).equals(full)).toBe(true);
});

test('labels, packed small palettes and 16-bit indices make pyramids too; the same bytes every run', () => {
  for (const [name, extra] of [
    ['labels.tif', ['-k', '40', '--labels']],
    ['k4.tif', ['-k', '4']],
    ['k300.tif', ['-k', '300', '--tile', '128']],
  ] as const) {
    const r = runCli(['compress', geo, ...extra, '--pyramid', '-o', at(name)]);
    expect(r.code, r.stderr).toBe(0);
    expect(tool('gdalinfo', ['-noct', at(name)]).out).toMatch(
      /Overviews: 602x451, 301x226, 151x113/,
    );
    expect(levelsFollowTheRule(at(name))).toBe('602x451 same 301x226 same 151x113 same');
  }
  expect(runCli(['compress', geo, '-k', '4', '--pyramid', '-o', at('k4-again.tif')]).code).toBe(0);
  expect(tool('cmp', [at('k4.tif'), at('k4-again.tif')]).code).toBe(0);
});

test('RGB: each level the rounded mean of the 2x2 blocks of the level above', () => {
  const r = runCli(['compress', geo, '-k', '16', '--rgb', '--pyramid', '-o', at('rgb.tif')]);
  expect(r.code, r.stderr).toBe(0);
  const script = `
import sys
import numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
out = []
for b in range(1, 4):
    band = ds.GetRasterBand(b)
    above = band.ReadAsArray().astype(np.int64)
    for i in range(band.GetOverviewCount()):
        ov = band.GetOverview(i).ReadAsArray()
        h, w = above.shape
        p = np.pad(above, ((0, h % 2), (0, w % 2)), mode='edge')
        want = (p[0::2, 0::2] + p[0::2, 1::2] + p[1::2, 0::2] + p[1::2, 1::2] + 2) // 4
        out.append('same' if np.array_equal(want, ov) else 'DIFFERENT')
        above = ov.astype(np.int64)
print(' '.join(out))`;
  const py = spawnSync('/usr/bin/python3', ['-c', script, at('rgb.tif')], { encoding: 'utf8' });
  expect(py.stderr).toBe('');
  expect(py.stdout.trim()).toBe(new Array(9).fill('same').join(' '));
  expect(tool('gdalinfo', [at('rgb.tif')]).out).toMatch(/Overviews: 602x451, 301x226, 151x113/);
});

test('batch --pyramid: every output a COG', () => {
  mkdirSync(at('many'));
  for (const i of [1, 2]) copyFileSync(geo, at(`many/${i}.tif`));
  const r = runCli([
    'batch',
    at('many/*.tif'),
    '--out-dir',
    at('many-out'),
    '-k',
    '8',
    '--format',
    'tiff',
    '--pyramid',
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  for (const i of [1, 2])
    expect(tool('gdalinfo', [join(at('many-out'), `${i}.tif`)]).out).toMatch(
      /Overviews: 602x451, 301x226, 151x113/,
    );
});

test('pyramids as inputs (a COG, a libvips pyramid, SubIFD levels as OME-TIFF keeps them) are read at full resolution, and the summary says so', () => {
  expect(tool('vips', ['tiffsave', geo, at('vips-pyramid.tif'), '--tile', '--pyramid']).code).toBe(
    0,
  );
  expect(
    tool('vips', ['tiffsave', geo, at('subifd.tif'), '--tile', '--pyramid', '--subifd']).code,
  ).toBe(0);
  for (const [name, pages] of [
    ['cog.tif', 4],
    ['vips-pyramid.tif', 5],
    ['subifd.tif', 5],
  ] as const) {
    const r = runCli(['compress', at(name), '-k', '8', '-o', at(`${name}.png`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${W}x${H} (page 0 of ${pages})`);
  }
  // A reduced level first and the full resolution after it (strips, then tiles read in place):
  // the full resolution is read, and the output is that of the full resolution alone.
  expect(tool('vips', ['copy', `${at('vips-pyramid.tif')}[page=2]`, at('small.tif')]).code).toBe(0);
  expect(runCli(['compress', at('plain.tif'), '-k', '8', '-o', at('alone.png')]).code).toBe(0);
  for (const tiles of [[], ['-t']]) {
    const backwards = at(`backwards${tiles.join('')}.tif`);
    expect(tool('tiffcp', [...tiles, at('small.tif'), at('plain.tif'), backwards]).code).toBe(0);
    const out = `${backwards}.png`;
    const r = runCli(['compress', backwards, '-k', '8', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${W}x${H} (page 1 of 2)`);
    expect(readFileSync(out).equals(readFileSync(at('alone.png')))).toBe(true);
    const json = runCli(['compress', backwards, '-k', '8', '-o', out, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ page: 1, pages: 2, width: W, height: H });
  }
});

test('--pyramid is refused for PNG output, before any work', () => {
  expect(runCli(['compress', geo, '-k', '4', '--pyramid', '-o', at('x.png')]).code).toBe(2);
});
