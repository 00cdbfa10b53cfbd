import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type TiffOptions } from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeTileRow, scatteredTilesJob, tileRowJob } from '../../src/io/tiff/decodeTileRow.js';
import { readTiledLayout, type TiledLayout } from '../../src/io/tiff/tiledLayout.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-decodetilerow-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEIGHT = 100;

/** A tiled TIFF of 128 x 64 tiles written by libvips, its layout and its pixels. */
async function tiled(
  width: number,
  tiff: TiffOptions,
): Promise<{ layout: TiledLayout; pixels: Buffer }> {
  const pixels = Buffer.alloc(width * HEIGHT * 3);
  // Runs with steps and noise, so that each row's sums wrap around and every byte matters.
  let noise = 1;
  for (let i = 0; i < pixels.length; i++) {
    noise = (noise * 1103515245 + 12345) >>> 0;
    pixels[i] = ((i >> 5) * 3 + (i % 3) * 70 + (noise >>> 29)) & 255;
  }
  const path = join(dir, `${width}-${tiff.compression}-${tiff.predictor}.tif`);
  await sharp(pixels, { raw: { width, height: HEIGHT, channels: 3 } })
    .tiff({ tile: true, tileWidth: 128, tileHeight: 64, ...tiff })
    .toFile(path);
  const layout = await readTiledLayout(path, 0, statSync(path).size);
  if (!layout) throw new Error('the test file should be one gigaquant decodes itself');
  return { layout, pixels };
}

const KINDS: Array<[string, TiffOptions]> = [
  ['deflate with differencing', { compression: 'deflate', predictor: 'horizontal' }],
  ['deflate without differencing', { compression: 'deflate', predictor: 'none' }],
  ['uncompressed', { compression: 'none' }],
];

// 25000 px: a row of tiles (4.8 MB) is placed in two windows, and its edge tile is 40 px wide.
// 133 px: an edge tile of 5 px, narrower than one SIMD step.
describe.each([25000, 133])(
  'a row of tiles %i px wide decodes to the pixels libvips wrote',
  (width) => {
    test.each(KINDS)('%s', async (_kind, tiff) => {
      const { layout, pixels } = await tiled(width, tiff);
      expect(layout.differenced).toBe(tiff.predictor === 'horizontal');
      for (const tileRow of [0, 1]) {
        const job = tileRowJob(layout, tileRow);
        const rows = pixels.subarray(job.top * width * 3, (job.top + job.rows) * width * 3);
        expect(Buffer.from(decodeTileRow(job)).equals(rows), `tile row ${tileRow}`).toBe(true);
      }
    });
  },
);

test('tiles decoded side by side, the edge tile last, into a bigger buffer', async () => {
  const { layout, pixels } = await tiled(25000, KINDS[0]![1]);
  const columns = [3, 100, layout.tilesAcross - 1];
  const job = scatteredTilesJob(layout, 1, columns);
  const into = new Uint8Array(job.width * job.rows * 3 + 999).fill(7);
  const out = decodeTileRow(job, into);
  expect(out.buffer).toBe(into.buffer);
  expect(out.length).toBe(job.width * job.rows * 3);
  for (let r = 0; r < job.rows; r++)
    columns.forEach((column, i) => {
      const x = column * 128;
      const w = Math.min(128, 25000 - x);
      const want = pixels.subarray(((64 + r) * 25000 + x) * 3, ((64 + r) * 25000 + x + w) * 3);
      const at = (r * job.width + i * 128) * 3;
      expect(
        Buffer.from(out.subarray(at, at + w * 3)).equals(want),
        `row ${r}, tile ${column}`,
      ).toBe(true);
    });
});
