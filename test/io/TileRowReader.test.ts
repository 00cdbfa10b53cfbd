import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import sharp, { type TiffOptions } from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GigaquantError } from '../../src/errors.js';
import { openImage } from '../../src/io/openImage.js';
import { readBands } from '../../src/io/readBands.js';
import { readTiledLayout } from '../../src/io/tiff/tiledLayout.js';

// Edge tiles on the right (1000 = 7 x 128 + 104) and at the bottom (700 = 10 x 64 + 60).
const WIDTH = 1000;
const HEIGHT = 700;
let dir: string;
let pixels: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-tilerows-'));
  pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  // Smooth runs with steps, so that differencing and deflate both have work to do.
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + (i >> 11) * 13 + (i % 3) * 50) & 255;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, tiff: TiffOptions, channels: 1 | 3 | 4 = 3): Promise<string> {
  const path = join(dir, name);
  const data = Buffer.alloc(WIDTH * HEIGHT * channels);
  for (let p = 0; p < WIDTH * HEIGHT; p++)
    for (let c = 0; c < channels; c++) data[p * channels + c] = pixels[p * 3 + (c % 3)]!;
  let image = sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels } });
  if (channels === 1) image = image.toColourspace('b-w');
  return image
    .tiff(tiff)
    .toFile(path)
    .then(() => path);
}

const deflateDifferenced = (): Promise<string> =>
  write('deflate-differenced.tif', {
    tile: true,
    tileWidth: 128,
    tileHeight: 64,
    compression: 'deflate',
    predictor: 'horizontal',
  });

/** Every band read, checked against libvips' own decode of the whole file as it comes. */
async function expectBandsAreTheImage(
  path: string,
  bandHeight: number,
  options: { reuseBuffers?: boolean; rows?: { from: number; to: number } } = {},
): Promise<void> {
  const whole = await sharp(path).raw().toBuffer();
  const source = await openImage(path, { maxPixels: 0, tmpDir: dir });
  expect(source.tiles).toBeDefined();
  const { from, to } = options.rows ?? { from: 0, to: HEIGHT };
  let y = from;
  for await (const band of readBands(source, { bandHeight, ...options })) {
    expect(band.y).toBe(y);
    expect(band.channels).toBe(3);
    const rows = whole.subarray(y * WIDTH * 3, (y + band.height) * WIDTH * 3);
    expect(Buffer.from(band.data).equals(rows)).toBe(true);
    y += band.height;
  }
  expect(y).toBe(to);
}

describe('tiled TIFFs gigaquant decodes itself give the bands libvips gives', () => {
  test.each([32, 48, 64, 100, 200])(
    'deflate with differencing, 128x64 tiles, bands of %i rows',
    async (bandHeight) => {
      await expectBandsAreTheImage(await deflateDifferenced(), bandHeight, {
        reuseBuffers: true,
      });
    },
  );

  test('deflate without differencing, 64x128 tiles', async () => {
    const path = await write('deflate.tif', {
      tile: true,
      tileWidth: 64,
      tileHeight: 128,
      compression: 'deflate',
      predictor: 'none',
    });
    expect((await readTiledLayout(path, 0, statSync(path).size))?.differenced).toBe(false);
    for (const bandHeight of [64, 100, 128]) await expectBandsAreTheImage(path, bandHeight);
  });

  test('uncompressed, 32x32 tiles, and a range of rows', async () => {
    const path = await write('none.tif', {
      tile: true,
      tileWidth: 32,
      tileHeight: 32,
      compression: 'none',
    });
    await expectBandsAreTheImage(path, 16, { rows: { from: 10, to: 333 }, reuseBuffers: true });
  });

  test('BigTIFF', async () => {
    const path = await write('big.tif', {
      tile: true,
      tileWidth: 128,
      tileHeight: 128,
      compression: 'deflate',
      bigtiff: true,
    });
    await expectBandsAreTheImage(path, 64, { reuseBuffers: true });
  });

  test('big-endian (tiffcp -B), differenced deflate', async () => {
    const path = join(dir, 'big-endian.tif');
    execFileSync('tiffcp', [
      '-B',
      '-c',
      'zip:2',
      '-t',
      '-w',
      '64',
      '-l',
      '48',
      await deflateDifferenced(),
      path,
    ]);
    expect(readFileSync(path).toString('latin1', 0, 2)).toBe('MM');
    expect(await readTiledLayout(path, 0, statSync(path).size)).toMatchObject({
      tileHeight: 48,
      differenced: true,
    });
    await expectBandsAreTheImage(path, 48, { reuseBuffers: true });
  });

  test('rows of tiles stored in more than one read (over 8 MiB), one read buffer for all', async () => {
    // 47 uncompressed 256x256 tiles a row, 9.2 MB: each row is read in two runs of different
    // lengths, into the same buffer; the second row reads over what the first left there.
    const width = 12000;
    const height = 300;
    const data = Buffer.alloc(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 13) * 7) & 255;
    const path = join(dir, 'long-rows.tif');
    await sharp(data, { raw: { width, height, channels: 3 } })
      .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'none' })
      .toFile(path);
    const source = await openImage(path, { maxPixels: 0, tmpDir: dir });
    expect(source.tiles).toBeDefined();
    let y = 0;
    for await (const band of readBands(source, { bandHeight: 128, reuseBuffers: true })) {
      const rows = data.subarray(y * width * 3, (y + band.height) * width * 3);
      expect(Buffer.from(band.data).equals(rows)).toBe(true);
      y += band.height;
    }
    expect(y).toBe(height);
  });
});

test('bands a caller keeps stay as they were unless it lets them be reused', async () => {
  const path = await deflateDifferenced();
  const source = await openImage(path, { maxPixels: 0, tmpDir: dir });
  const kept = [];
  for await (const band of readBands(source, { bandHeight: 32 })) kept.push(band);
  const whole = await sharp(path).raw().toBuffer();
  expect(Buffer.concat(kept.map((band) => Buffer.from(band.data))).equals(whole)).toBe(true);
});

test.each([
  ['LZW', { compression: 'lzw' }],
  ['JPEG', { compression: 'jpeg' }],
  ['strips', { tile: false, compression: 'deflate' }],
  ['tiles of 48 MiB', { compression: 'deflate', tileWidth: 4096, tileHeight: 4096 }],
] as const)('%s is left to libvips', async (name, options) => {
  const path = await write(`${name}.tif`, {
    tile: true,
    tileWidth: 128,
    tileHeight: 128,
    ...options,
  });
  expect(await readTiledLayout(path, 0, statSync(path).size)).toBeUndefined();
});

test.each([
  ['RGBA', 4],
  ['grey', 1],
] as const)('%s is left to libvips', async (name, channels) => {
  const path = await write(
    `${name}.tif`,
    { tile: true, tileWidth: 128, tileHeight: 128, compression: 'deflate' },
    channels,
  );
  expect(await readTiledLayout(path, 0, statSync(path).size)).toBeUndefined();
});

test('an ICC profile or 16-bit samples leave the file to libvips', async () => {
  const icc = join(dir, 'icc.tif');
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .withIccProfile('p3')
    .tiff({ tile: true, tileWidth: 128, tileHeight: 128, compression: 'deflate' })
    .toFile(icc);
  const deep = join(dir, 'deep.tif');
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .toColourspace('rgb16')
    .tiff({ tile: true, tileWidth: 128, tileHeight: 128, compression: 'deflate' })
    .toFile(deep);
  for (const path of [icc, deep])
    expect(await readTiledLayout(path, 0, statSync(path).size)).toBeUndefined();
});

test('a damaged tile fails the band that needs it, naming the file, the rows and the tile', async () => {
  const path = await deflateDifferenced();
  const layout = await readTiledLayout(path, 0, statSync(path).size);
  // The tile at x 640, y 128: tile row 2 of 8 tiles across, column 5.
  const tile = 2 * layout!.tilesAcross + 5;
  const bytes = readFileSync(path);
  const at = layout!.offsets[tile]! + Math.floor(layout!.byteCounts[tile]! / 2);
  for (let i = 0; i < 16; i++) bytes[at + i] = (bytes[at + i] as number) ^ 0x5a;
  const damaged = join(dir, 'damaged.tif');
  writeFileSync(damaged, bytes);
  const source = await openImage(damaged, { maxPixels: 0, tmpDir: dir });
  expect(source.tiles).toBeDefined();
  const rowsRead: number[] = [];
  const reading = (async () => {
    for await (const band of readBands(source, { bandHeight: 32, reuseBuffers: true }))
      rowsRead.push(band.y);
  })();
  const err = await reading.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GigaquantError);
  expect((err as GigaquantError).code).toBe('E_INPUT_CORRUPT');
  expect((err as Error).message).toContain(damaged);
  expect((err as Error).message).toContain('rows 128-159');
  expect((err as Error).message).toContain('the tile at x 640, y 128');
  expect(rowsRead).toEqual([0, 32, 64, 96]);
});

test('a tag stored as a type we do not read, or named twice, leaves the file to libvips', async () => {
  const path = await deflateDifferenced();
  const bytes = readFileSync(path);
  expect(bytes.toString('latin1', 0, 2)).toBe('II');
  const ifd = bytes.readUInt32LE(4);
  const entryOf = (tag: number): number => {
    for (let e = 0, n = bytes.readUInt16LE(ifd); e < n; e++)
      if (bytes.readUInt16LE(ifd + 2 + e * 12) === tag) return ifd + 2 + e * 12;
    throw new Error(`no tag ${tag}`);
  };
  const PREDICTOR = 317;
  const SSHORT = 8;
  const signed = Buffer.from(bytes);
  signed.writeUInt16LE(SSHORT, entryOf(PREDICTOR) + 2);
  // The tag before the predictor (ResolutionUnit, 296) named as the predictor again.
  const twice = Buffer.from(bytes);
  const before = entryOf(PREDICTOR) - 12;
  expect(twice.readUInt16LE(before)).toBe(296);
  twice.writeUInt16LE(PREDICTOR, before);
  for (const [name, patched] of [
    ['signed.tif', signed],
    ['twice.tif', twice],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, patched);
    expect(await readTiledLayout(file, 0, patched.length)).toBeUndefined();
  }
  expect(await readTiledLayout(path, 0, bytes.length)).toBeDefined();
});

test('a tile whose stream would inflate to more than twice its pixels fails the file', async () => {
  const path = await deflateDifferenced();
  const layout = await readTiledLayout(path, 0, statSync(path).size);
  const tileBytes = 128 * 64 * 3;
  // Four times the tile's pixels, squeezed into less than the tile's stored bytes.
  const bomb = deflateSync(Buffer.alloc(4 * tileBytes), { level: 9 });
  const tile = 3 * layout!.tilesAcross;
  expect(bomb.length).toBeLessThan(layout!.byteCounts[tile]!);
  const bytes = readFileSync(path);
  bomb.copy(bytes, layout!.offsets[tile]!);
  const bombed = join(dir, 'bomb.tif');
  writeFileSync(bombed, bytes);
  const source = await openImage(bombed, { maxPixels: 0, tmpDir: dir });
  const rowsRead: number[] = [];
  const reading = (async () => {
    for await (const band of readBands(source, { bandHeight: 64 })) rowsRead.push(band.y);
  })();
  await expect(reading).rejects.toThrow(/rows 192-255 \(the tile at x 0, y 192 does not inflate/);
  expect(rowsRead).toEqual([0, 64, 128]);
});
