import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openImage, type ImageSource } from '../../src/io/openImage.js';
import { readBands } from '../../src/io/readBands.js';
import type { RowBand } from '../../src/types.js';

// 128-row tiles and a last tile row of 60 rows.
const WIDTH = 1000;
const HEIGHT = 700;
const TILE = 128;
let dir: string;
let source: ImageSource;
let whole: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-bands-'));
  const path = join(dir, 'tiled.tif');
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + (i >> 11)) & 255;
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .tiff({ tile: true, tileWidth: TILE, tileHeight: TILE, compression: 'lzw' })
    .toFile(path);
  whole = await sharp(path).raw().toBuffer();
  source = await openImage(path, { maxPixels: 1e9, tmpDir: dir });
  expect(source.info).toMatchObject({ chunkRows: TILE, tileWidth: TILE });
});

afterAll(async () => {
  await source.close();
  rmSync(dir, { recursive: true, force: true });
});

async function bandsOf(bandHeight: number, rows?: { from: number; to: number }) {
  const bands: RowBand[] = [];
  for await (const band of readBands(source, { bandHeight, rows })) bands.push(band);
  return bands;
}

function expectTheImage(bands: RowBand[], from: number, to: number, bandHeight: number) {
  let y = from;
  for (const band of bands) {
    expect(band.y).toBe(y);
    expect(band.height).toBeLessThanOrEqual(bandHeight);
    const rows = whole.subarray(y * WIDTH * 3, (y + band.height) * WIDTH * 3);
    expect(Buffer.from(band.data).equals(rows)).toBe(true);
    y += band.height;
  }
  expect(y).toBe(to);
}

/** How many separate reads the bands came from. */
function readsBehind(bands: RowBand[]): number {
  return new Set(bands.map((band) => band.data.buffer)).size;
}

test.each([
  { bandHeight: 32, why: 'bands that divide the tiles' },
  { bandHeight: 48, why: 'bands that straddle two tile rows' },
  { bandHeight: 200, why: 'bands taller than the tiles' },
])('$why are read one by one, and are the image', async ({ bandHeight }) => {
  const bands = await bandsOf(bandHeight);
  expectTheImage(bands, 0, HEIGHT, bandHeight);
  expect(readsBehind(bands)).toBe(bands.length);
});

test('a range of rows is those rows, the last band cut short', async () => {
  const bands = await bandsOf(32, { from: 10, to: 300 });
  expectTheImage(bands, 10, 300, 32);
  expect(bands.at(-1)?.height).toBe(290 % 32);
});

test.each([32, 48])(
  'a consumer that stops early leaves no read running (bands of %i rows)',
  async (bandHeight) => {
    for await (const band of readBands(source, { bandHeight })) {
      expect(band.y).toBe(0);
      break;
    }
    // The read ahead has settled before the loop let go: the caller may close the source now.
    expect(sharp.counters()).toEqual({ queue: 0, process: 0 });
  },
);
