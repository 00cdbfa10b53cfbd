import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GigaquantError } from '../../src/errors.js';
import { flipSegment } from '../helpers/damage.js';
import { readTileBlocks, type ReadTileBlocksOptions } from '../../src/io/readTileBlocks.js';
import { readTiledLayout, type TiledLayout } from '../../src/io/tiff/tiledLayout.js';
import { counted, forUnits, type FitSample } from '../../src/model/fitSample.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-tileblocks-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiled TIFF of `width` x `height` smooth-with-steps pixels, and its pixels. */
async function tiled(
  name: string,
  width: number,
  height: number,
  tile: { width: number; height: number },
): Promise<{ layout: TiledLayout; pixels: Buffer }> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + (i >> 11) * 13 + (i % 3) * 50) & 255;
  const path = join(dir, name);
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .tiff({
      tile: true,
      tileWidth: tile.width,
      tileHeight: tile.height,
      compression: 'deflate',
      predictor: 'horizontal',
    })
    .toFile(path);
  const layout = await readTiledLayout(path, 0, statSync(path).size);
  if (!layout) throw new Error('the test file should be one gigaquant decodes itself');
  return { layout, pixels };
}

/**
 * Every block is checked against the pixels at its place (libvips wrote them; they are compared
 * as the caller gets them, before it asks for more), and every pixel of the rows comes exactly once.
 */
async function expectBlocksCoverTheImage(
  { layout, pixels }: { layout: TiledLayout; pixels: Buffer },
  options: ReadTileBlocksOptions = {},
): Promise<Array<{ y: number; left: number; width: number; height: number }>> {
  const { from, to } = options.rows ?? { from: 0, to: layout.height };
  const seen = new Uint8Array(layout.width * layout.height);
  const order = [];
  let rowsDone = 0;
  for await (const { band, left, rowsDone: done } of readTileBlocks(layout, options)) {
    expect(band.channels).toBe(3);
    expect(band.data.length).toBe(band.width * band.height * 3);
    for (let r = 0; r < band.height; r++) {
      const at = ((band.y + r) * layout.width + left) * 3;
      const row = band.data.subarray(r * band.width * 3, (r + 1) * band.width * 3);
      expect(Buffer.from(row).equals(pixels.subarray(at, at + band.width * 3))).toBe(true);
      for (let x = 0; x < band.width; x++) seen[(band.y + r) * layout.width + left + x]! += 1;
    }
    rowsDone += done;
    order.push({ y: band.y, left, width: band.width, height: band.height });
  }
  for (let y = 0; y < layout.height; y++) {
    const row = seen.subarray(y * layout.width, (y + 1) * layout.width);
    expect(row.every((n) => n === (y >= from && y < to ? 1 : 0))).toBe(true);
  }
  expect(rowsDone).toBe(to - from);
  return order;
}

describe('readTileBlocks gives every pixel once, where it is', () => {
  test('edge tiles on the right and at the bottom, the default blocks', async () => {
    // 1000 = 7 x 128 + 104, 700 = 10 x 64 + 60.
    const image = await tiled('edges.tif', 1000, 700, { width: 128, height: 64 });
    const order = await expectBlocksCoverTheImage(image);
    // Tiles of 24 KiB: a whole row of tiles fits in one block.
    expect(order.every((b) => b.left === 0 && b.width === 1000)).toBe(true);
  });

  test('blocks of a few tiles across, a row of tiles after the other', async () => {
    // 110 tiles of 3 KiB a row: one block each.
    const image = await tiled('wide.tif', 7000, 300, { width: 64, height: 16 });
    const order = await expectBlocksCoverTheImage(image);
    expect(order.map((b) => b.width)).toEqual(new Array(Math.ceil(300 / 16)).fill(7000));
    const bigger = await tiled('wider.tif', 30000, 40, { width: 128, height: 128 });
    const blocks = await expectBlocksCoverTheImage(bigger);
    // 235 tiles of 48 KiB: 3 blocks of 79, 79 and 77 tiles.
    expect(blocks.map((b) => b.width)).toEqual([79 * 128, 79 * 128, 30000 - 158 * 128]);
  });

  test('regions: down a region, then across, then the next regions down', async () => {
    const image = await tiled('regions.tif', 1000, 700, { width: 128, height: 64 });
    const order = await expectBlocksCoverTheImage(image, {
      region: { tileRows: 4, columns: 3 },
    });
    expect(order.slice(0, 9)).toEqual([
      { y: 0, left: 0, width: 384, height: 64 },
      { y: 64, left: 0, width: 384, height: 64 },
      { y: 128, left: 0, width: 384, height: 64 },
      { y: 192, left: 0, width: 384, height: 64 },
      { y: 0, left: 384, width: 384, height: 64 },
      { y: 64, left: 384, width: 384, height: 64 },
      { y: 128, left: 384, width: 384, height: 64 },
      { y: 192, left: 384, width: 384, height: 64 },
      { y: 0, left: 768, width: 232, height: 64 },
    ]);
    expect(order.at(-1)).toEqual({ y: 640, left: 768, width: 232, height: 60 });
  });

  test('a range of rows, not on tile edges', async () => {
    const image = await tiled('range.tif', 1000, 700, { width: 128, height: 64 });
    await expectBlocksCoverTheImage(image, { rows: { from: 10, to: 333 } });
    await expectBlocksCoverTheImage(image, {
      rows: { from: 100, to: 101 },
      region: { tileRows: 2, columns: 2 },
    });
  });

  test('an image big enough for the decode threads', async () => {
    // 4.2 Mpx: blocks decode on the threads, into the buffers of blocks already used.
    const image = await tiled('threaded.tif', 2900, 1450, { width: 64, height: 64 });
    await expectBlocksCoverTheImage(image, { region: { tileRows: 2, columns: 5 } });
  });
});

test('a damaged tile fails the block that holds it, naming the file, the rows and the tile', async () => {
  const { layout } = await tiled('to-damage.tif', 1000, 700, { width: 128, height: 64 });
  // The tile at x 640, y 128: tile row 2 of 8 tiles across, column 5.
  const tile = 2 * layout.tilesAcross + 5;
  const damaged = join(dir, 'damaged.tif');
  await flipSegment(layout.path, damaged, tile);
  const seen: number[] = [];
  const reading = (async () => {
    for await (const { band, left } of readTileBlocks(
      { ...layout, path: damaged },
      { region: { tileRows: 1, columns: 2 } },
    ))
      seen.push(band.y * 10000 + left);
  })();
  const err = await reading.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GigaquantError);
  expect((err as GigaquantError).code).toBe('E_INPUT_CORRUPT');
  expect((err as Error).message).toContain(damaged);
  expect((err as Error).message).toContain('rows 128-191');
  expect((err as Error).message).toContain('the tile at x 640, y 128');
  // Two rows of tiles in 4 blocks, and the blocks at x 0 and 256 of the third.
  expect(seen).toEqual([0, 256, 512, 768, 640000, 640256, 640512, 640768, 1280000, 1280256]);
});

/**
 * A sampled fit's blocks are the tiles the sample picks (numbered over the whole image), side by
 * side in image order, at most a block's worth each; the edge tile keeps only its pixels.
 */
describe('readTileBlocks with a sample gives the picked tiles, side by side', () => {
  async function expectPickedTiles(
    { layout, pixels }: { layout: TiledLayout; pixels: Buffer },
    options: ReadTileBlocksOptions & { sample: FitSample },
  ): Promise<number> {
    const { tileWidth, tileHeight, tilesAcross, width } = layout;
    const { from, to } = options.rows ?? { from: 0, to: layout.height };
    const tileRows = Math.ceil(layout.height / tileHeight);
    const picks = forUnits(options.sample, tilesAcross * tileRows);
    // The pixels each tile row's picked tiles give, side by side, rows [from, to) of them.
    const expected: Buffer[] = [];
    let pickedTiles = 0;
    for (let t = Math.floor(from / tileHeight); t * tileHeight < to; t++) {
      const top = Math.max(from, t * tileHeight);
      const bottom = Math.min(to, (t + 1) * tileHeight, layout.height);
      const rows: Buffer[][] = Array.from({ length: bottom - top }, () => []);
      for (let c = 0; c < tilesAcross; c++) {
        if (!counted(picks, t * tilesAcross + c)) continue;
        pickedTiles++;
        const keep = Math.min(tileWidth, width - c * tileWidth) * 3;
        for (let y = top; y < bottom; y++) {
          const at = (y * width + c * tileWidth) * 3;
          rows[y - top]!.push(pixels.subarray(at, at + keep));
        }
      }
      expected.push(Buffer.concat(rows.flat()));
    }
    const got: Buffer[] = [];
    let rowsDone = 0;
    let blockRow = -1;
    for await (const { band, left, rowsDone: done } of readTileBlocks(layout, options)) {
      expect(left).toBe(0);
      // Blocks of one tile row come one after the other: joined, row by row, they are its picks.
      const t = Math.floor(band.y / tileHeight);
      if (t !== blockRow) got.push(Buffer.alloc(0));
      blockRow = t;
      got[got.length - 1] = joinAcross(got[got.length - 1]!, band.data, band.width, band.height);
      rowsDone += done;
    }
    expect(got.map((b) => b.length)).toEqual(expected.filter((b) => b.length).map((b) => b.length));
    expect(Buffer.concat(got).equals(Buffer.concat(expected))).toBe(true);
    expect(rowsDone).toBeLessThanOrEqual(to - from);
    return pickedTiles;
  }

  /** `block` set to the right of `joined` (both `rows` rows tall). */
  function joinAcross(joined: Buffer, block: Uint8Array, width: number, rows: number): Buffer {
    if (joined.length === 0) return Buffer.from(block);
    const left = joined.length / rows;
    const out = Buffer.alloc(joined.length + block.length);
    for (let r = 0; r < rows; r++) {
      joined.copy(out, r * (left + width * 3), r * left, (r + 1) * left);
      out.set(block.subarray(r * width * 3, (r + 1) * width * 3), r * (left + width * 3) + left);
    }
    return out;
  }

  test('one tile in three, edge tiles included, several blocks a row', async () => {
    const image = await tiled('sampled.tif', 1000, 700, { width: 64, height: 32 });
    const picked = await expectPickedTiles(image, {
      sample: { every: 3, seed: 4 },
      region: { tileRows: 1, columns: 2 },
    });
    const tiles = image.layout.tilesAcross * Math.ceil(700 / 32);
    expect(picked).toBeGreaterThanOrEqual(Math.floor(tiles / 3));
    expect(picked).toBeLessThanOrEqual(Math.ceil(tiles / 3));
  });

  test('a range of rows picks the tiles the whole image picks there', async () => {
    const image = await tiled('sampled-rows.tif', 1000, 700, { width: 64, height: 32 });
    await expectPickedTiles(image, { sample: { every: 5, seed: 9 }, rows: { from: 45, to: 333 } });
  });

  test('on the decode threads, into the buffers of blocks of other sizes', async () => {
    const image = await tiled('sampled-threaded.tif', 2900, 1450, { width: 64, height: 64 });
    await expectPickedTiles(image, { sample: { every: 4, seed: 1 } });
  });

  test('a damaged tile the sample picked is named where it is in the image', async () => {
    const { layout } = await tiled('sampled-damage.tif', 1000, 700, { width: 128, height: 64 });
    const sample = { every: 3, seed: 2 };
    const picks = forUnits(sample, layout.tilesAcross * Math.ceil(700 / 64));
    const tile = Array.from({ length: 40 }, (_, i) => i).find((i) => i > 20 && counted(picks, i));
    const column = tile! % layout.tilesAcross;
    const row = Math.floor(tile! / layout.tilesAcross);
    const damaged = join(dir, 'sampled-damaged.tif');
    await flipSegment(layout.path, damaged, tile!);
    const reading = (async () => {
      for await (const block of readTileBlocks({ ...layout, path: damaged }, { sample }))
        void block;
    })();
    const err = await reading.catch((e: unknown) => e);
    expect((err as GigaquantError).code).toBe('E_INPUT_CORRUPT');
    expect((err as Error).message).toContain(`the tile at x ${column * 128}, y ${row * 64}`);
  });
});
