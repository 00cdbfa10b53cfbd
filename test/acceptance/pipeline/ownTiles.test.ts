import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { expectCleanFailure, runIsolated } from '../../helpers/cleanRun.js';
import { flipSegment, shortenSegment } from '../../helpers/damage.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

/**
 * Tiled deflate TIFFs are decoded by gigaquant's own reader, on its decode threads from 4 Mpx
 * (2400 x 1800 is 4.3 Mpx): the output must be the one the same pixels give through libvips
 * (from a PNG), also when a decode thread dies, and damage must fail the file cleanly.
 */
const WIDTH = 2400;
const HEIGHT = 1800;
/** Wider than a region of pass 2 (applyByRegions) with 128-px input tiles: 10880 px. */
const WIDE = 11000;
const folder = tempFolder('gq-owntiles-');
const at = (name: string): string => join(folder.dir, name);
afterAll(() => folder.remove());

beforeAll(async () => {
  const pixels = syntheticPixels(WIDTH, HEIGHT, 3, 5);
  await writeImage(at('photo.png'), pixels, WIDTH, HEIGHT, 3, 'png');
  await sharp(Buffer.from(pixels), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .tiff({
      compression: 'deflate',
      predictor: 'horizontal',
      tile: true,
      tileWidth: 128,
      tileHeight: 128,
    })
    .toFile(at('tiled.tif'));
  const wide = syntheticPixels(WIDE, 256, 3, 6);
  await writeImage(at('wide.png'), wide, WIDE, 256, 3, 'png');
  await sharp(Buffer.from(wide), { raw: { width: WIDE, height: 256, channels: 3 } })
    .tiff({ compression: 'deflate', tile: true, tileWidth: 128, tileHeight: 128 })
    .toFile(at('wide-tiled.tif'));
});

async function compressed(input: string, output: string, env?: NodeJS.ProcessEnv) {
  const r = runCli(['compress', input, '-k', '32', '--seed', '3', '-o', output, '--json'], {
    ...(env ? { env } : {}),
  });
  expect(r.code, r.stderr).toBe(0);
  const { palette } = JSON.parse(r.stdout) as { palette: string[] };
  return { palette, pixels: await sharp(output).raw().toBuffer() };
}

test('a tiled deflate TIFF gives the output its pixels give from a PNG', async () => {
  const fromPng = await compressed(at('photo.png'), at('from-png.png'));
  const fromTiff = await compressed(at('tiled.tif'), at('from-tiff.png'));
  expect(fromTiff.palette).toEqual(fromPng.palette);
  expect(fromTiff.pixels.equals(fromPng.pixels)).toBe(true);
});

test('a decode thread that dies costs nothing but time: the same output', async () => {
  const whole = await compressed(at('tiled.tif'), at('whole.png'));
  const hurt = await compressed(at('tiled.tif'), at('hurt.png'), {
    ...process.env,
    GIGAQUANT_FAULT: 'tile-thread-dies',
  });
  expect(hurt.palette).toEqual(whole.palette);
  expect(hurt.pixels.equals(whole.pixels)).toBe(true);
});

/**
 * A library quantizing one big tiled TIFF after another in one process: each image's pass 2 hands
 * the decode threads a lookup of its own (learned from its counts), and the threads must map each
 * image with its own, in room of its own, not with the last image's.
 */
test('one process, two images: each mapped on the decode threads with its own palette', async () => {
  const script = at('twice.mjs');
  const outputs = [32, 24].map((k) => ({ k, path: at(`twice-${k}.png`) }));
  writeFileSync(
    script,
    [
      `import { quantizeFile } from ${JSON.stringify(new URL('../../../dist/index.js', import.meta.url).href)};`,
      ...outputs.map(
        ({ k, path }) =>
          `await quantizeFile(${JSON.stringify(at('tiled.tif'))}, ${JSON.stringify(path)}, { k: ${k}, seed: 3 });`,
      ),
    ].join('\n'),
  );
  execFileSync(process.execPath, [script], { stdio: 'pipe' });
  for (const { k, path } of outputs) {
    const fromPng = at(`twice-ref-${k}.png`);
    const r = runCli(['compress', at('photo.png'), '-k', String(k), '--seed', '3', '-o', fromPng]);
    expect(r.code, r.stderr).toBe(0);
    const [got, want] = await Promise.all([path, fromPng].map((p) => sharp(p).raw().toBuffer()));
    expect(got!.equals(want!), `k=${k}`).toBe(true);
  }
});

test.each([
  ['bytes flipped', flipSegment],
  ['cut short', shortenSegment],
] as const)('a tile with its %s fails the file (exit 3), as libvips fails it', async (_, hurt) => {
  const bad = at(`bad-${hurt.name}.tif`);
  // Tile 200 of 19 x 15 (column 10 of tile row 10), decoded on a decode thread.
  await hurt(at('tiled.tif'), bad, 200);
  await expect(sharp(bad, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/scanline 1280/);
  const r = runIsolated(folder.dir, (out, tmp) => [
    'compress',
    bad,
    '-k',
    '8',
    '-o',
    join(out, 'x.png'),
    '--tmp-dir',
    tmp,
  ]);
  expectCleanFailure(r, 3, new RegExp(`${bad.replace(/[.]/g, '\\.')}: cannot read rows `));
  expect(r.stderr).toMatch(/the tile at x 1280, y 1280 does not inflate/);
});

test('GIGAQUANT_NO_OWN_TILES=1 leaves the file to libvips: its own words for the damage', async () => {
  const bad = at('bad-libvips.tif');
  await flipSegment(at('tiled.tif'), bad, 200);
  const r = runIsolated(
    folder.dir,
    (out, tmp) => ['compress', bad, '-k', '8', '-o', join(out, 'x.png'), '--tmp-dir', tmp],
    { env: { ...process.env, GIGAQUANT_NO_OWN_TILES: '1' } },
  );
  expectCleanFailure(r, 3, /bad-libvips\.tif: cannot read rows /);
  expect(r.stderr).not.toMatch(/the tile at x/);
});

/**
 * Into a tiled TIFF, pass 2 goes region by region (whole tiles of both files, tiles written as
 * regions finish): the pixels must be those of the row by row path from the PNG, for output tiles
 * smaller than, equal to and larger than the input's, packed and 16-bit indices. On the wide
 * image a region (about 4 MB of input) is narrower than the image and holds several rows of
 * output tiles, so tiles reach the file out of their order.
 */
test.each([
  ['16-px tiles, wide', 'wide', '16', 32],
  ['128-px tiles, as the input', 'photo', '128', 32],
  ['512-px tiles', 'photo', '512', 32],
  ['packed 4-bit indices, wide', 'wide', '64', 12],
  ['16-bit indices', 'photo', '256', 300],
  ['labels and a codebook, wide', 'wide', '64', 40, '--labels'],
] as const)(
  'into a tiled TIFF by regions, %s: the pixels of the rows path',
  async (name, input, tile, k, ...more: string[]) => {
    const compress = (from: string, output: string): void => {
      const args = ['compress', from, '-k', String(k), '--seed', '3', '--tile', tile, ...more];
      const r = runCli([...args, '-o', output]);
      expect(r.code, r.stderr).toBe(0);
    };
    const tag = name.replace(/\W+/g, '-');
    // From the PNG, pass 2 reads rows (libvips has no tiles to give).
    const viaRows = at(`rows-${tag}.tif`);
    const viaRegions = at(`regions-${tag}.tif`);
    compress(at(`${input}.png`), viaRows);
    compress(at(input === 'wide' ? 'wide-tiled.tif' : 'tiled.tif'), viaRegions);
    const info = execFileSync('tiffinfo', [viaRegions], { encoding: 'utf8' });
    expect(info).toContain(`Tile Width: ${tile} Tile Length: ${tile}`);
    const decoded = async (path: string) => sharp(path).raw().toBuffer();
    expect((await decoded(viaRegions)).equals(await decoded(viaRows))).toBe(true);
  },
);

/**
 * Into a file of rows (PNG, `.npy`, TIFF strips), pass 2 maps a tiled input block by block too,
 * and gathers each row of tiles (regionsIntoRows): on the wide image a row of tiles is two blocks
 * across. The output must be the bytes the rows path gives from the PNG.
 */
test.each([
  ['a palette PNG, wide', 'wide', 'png', 32],
  ['a packed 4-bit PNG, wide', 'wide', 'png', 12],
  ['a PNG', 'photo', 'png', 32],
  ['.npy labels, wide', 'wide', 'npy', 40],
  ['a strip TIFF with 16-bit indices, wide', 'wide', 'tif', 300],
] as const)(
  'into %s from blocks of tiles: the bytes of the rows path',
  async (name, input, format, k) => {
    const tag = name.replace(/\W+/g, '-');
    const compress = (from: string, output: string): void => {
      const r = runCli(['compress', from, '-k', String(k), '--seed', '3', '-o', output]);
      expect(r.code, r.stderr).toBe(0);
    };
    const viaRows = at(`rows-${tag}.${format}`);
    const viaBlocks = at(`blocks-${tag}.${format}`);
    compress(at(`${input}.png`), viaRows);
    compress(at(input === 'wide' ? 'wide-tiled.tif' : 'tiled.tif'), viaBlocks);
    if (format === 'npy') {
      expect(readFileSync(viaBlocks).equals(readFileSync(viaRows))).toBe(true);
      return;
    }
    if (format === 'png') expect(tool('pngcheck', ['-q', viaBlocks]).code).toBe(0);
    const decoded = async (path: string) => sharp(path).raw().toBuffer();
    expect((await decoded(viaBlocks)).equals(await decoded(viaRows))).toBe(true);
  },
);
