import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openImage } from '../../src/io/openImage.js';
import { PIECE_BYTES, readBands, readRegion } from '../../src/io/readBands.js';
import type { ImageSource } from '../../src/io/openImage.js';

// Wide enough that a row of its 256-px tiles passes PIECE_BYTES: short regions are read in pieces.
const WIDTH = 20_000;
const HEIGHT = 300;
const TILE = 256;
let dir: string;
let source: ImageSource;
let path: string;

beforeAll(async () => {
  expect(WIDTH * TILE * 4).toBeGreaterThan(PIECE_BYTES);
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-region-'));
  path = join(dir, 'wide.tif');
  // Colour that changes along both axes, so that a piece out of place cannot go unnoticed.
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      pixels[o] = x & 255;
      pixels[o + 1] = (x >> 8) & 255;
      pixels[o + 2] = (y * 7 + (x >> 3)) & 255;
    }
  await sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .tiff({ tile: true, tileWidth: TILE, tileHeight: TILE, compression: 'deflate' })
    .toFile(path);
  source = await openImage(path, { maxPixels: 1e9, tmpDir: dir });
  expect(source.info).toMatchObject({ chunkRows: TILE, tileWidth: TILE });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  { left: 0, top: 0, width: WIDTH, height: 32 },
  { left: 10_000, top: 250, width: 9_000, height: 50 },
  { left: 16_383, top: 3, width: 2, height: 1 },
  { left: 0, top: 0, width: WIDTH, height: HEIGHT },
])(
  'a region read (in pieces where its tiles are many) is what libvips extracts: %o',
  async (rect) => {
    const band = await readRegion(source, rect);
    const expected = await sharp(path).extract(rect).raw().toBuffer();
    expect(band).toMatchObject({
      y: rect.top,
      width: rect.width,
      height: rect.height,
      channels: 3,
    });
    expect(Buffer.from(band.data).equals(expected)).toBe(true);
  },
);

test('bands of a wide tiled TIFF, read in pieces, are the image', async () => {
  const whole = await sharp(path).raw().toBuffer();
  let y = 0;
  for await (const band of readBands(source, { bandHeight: 40 })) {
    expect(band.y).toBe(y);
    const rows = whole.subarray(y * WIDTH * 3, (y + band.height) * WIDTH * 3);
    expect(Buffer.from(band.data).equals(rows)).toBe(true);
    y += band.height;
  }
  expect(y).toBe(HEIGHT);
});
