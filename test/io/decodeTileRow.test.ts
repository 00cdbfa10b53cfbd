import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type TiffOptions } from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  decodeTileRow,
  mappedBy,
  mappingRoom,
  scatteredTilesJob,
  tileRowJob,
} from '../../src/io/tiff/decodeTileRow.js';
import { readTiledLayout, type TiledLayout } from '../../src/io/tiff/tiledLayout.js';
import { NearestColorMatcher } from '../../src/cluster/nearest/NearestColorMatcher.js';
import { Rng } from '../../src/cluster/Rng.js';
import type { Palette } from '../../src/types.js';
import { bruteForceNearest } from '../helpers/oracle.js';

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

describe('with a lookup, tiles decode to their palette indices', () => {
  /** As a big image's: pass 2 learns the colours pass 1 counted (see NearestKernel.lookup). */
  const BIG_IMAGE = 64 * 1024 * 1024;
  const rng = new Rng(14);
  const palette: Palette = { size: 200, channels: 3, colors: new Uint8Array(600) };
  for (let i = 0; i < palette.colors.length; i++) palette.colors[i] = rng.int(256);

  /**
   * A matcher that learned the colours of `pixels` (but `leaveOut`), and the lookup it gives
   * with room for `threads` threads.
   */
  function learned(pixels: Uint8Array, layout: TiledLayout, threads: number, leaveOut = -1) {
    const keys = new Set<number>();
    for (let i = 0; i < pixels.length; i += 3)
      keys.add(
        (pixels[i] as number) |
          ((pixels[i + 1] as number) << 8) |
          ((pixels[i + 2] as number) << 16),
      );
    keys.delete(leaveOut);
    const matcher = new NearestColorMatcher(palette, 'rgb', BIG_IMAGE);
    matcher.learn({
      forEachCount: (visit) => [...keys].sort((a, b) => a - b).forEach((key) => visit(key, 1)),
      release: () => undefined,
    });
    const lookup = matcher.learnedLookup(threads, mappingRoom(layout));
    if (!lookup) throw new Error('a palette of 200 entries should give a lookup');
    return { matcher, lookup };
  }

  describe.each([25000, 133])('%i px wide', (width) => {
    test.each(KINDS)('%s: every pixel’s nearest entry', async (_kind, tiff) => {
      const { layout, pixels } = await tiled(width, tiff);
      const { matcher, lookup } = learned(pixels, layout, 1);
      try {
        for (const tileRow of [0, 1]) {
          const job = tileRowJob(layout, tileRow);
          const indices = decodeTileRow({ ...job, lookup });
          expect(mappedBy({ ...job, lookup }, indices)).toBe(true);
          expect(indices.length).toBe(job.rows * width);
          const from = job.top * width * 3;
          const nearest = new Map<number, number>();
          for (let p = 0; p < indices.length; p++) {
            const at = from + p * 3;
            const key = pixels[at]! | (pixels[at + 1]! << 8) | (pixels[at + 2]! << 16);
            let want = nearest.get(key);
            if (want === undefined) {
              want = bruteForceNearest(palette, pixels, at).index;
              nearest.set(key, want);
            }
            if (indices[p] !== want)
              expect(indices[p], `tile row ${tileRow}, pixel ${p}`).toBe(want);
          }
        }
      } finally {
        matcher.release();
      }
    });
  });

  test('a colour the lookup does not know: the pixels, for the caller to match', async () => {
    const { layout, pixels } = await tiled(25000, KINDS[0]![1]);
    const job = tileRowJob(layout, 1);
    // The last pixel's colour: the tiles before it are mapped before the mapping gives up.
    const last = (job.top + job.rows) * 25000 * 3 - 3;
    const key = pixels[last]! | (pixels[last + 1]! << 8) | (pixels[last + 2]! << 16);
    const { matcher, lookup } = learned(pixels, layout, 1, key);
    try {
      const decoded = decodeTileRow({ ...job, lookup });
      expect(mappedBy({ ...job, lookup }, decoded)).toBe(false);
      const rows = pixels.subarray(job.top * 25000 * 3, (job.top + job.rows) * 25000 * 3);
      expect(Buffer.from(decoded).equals(rows)).toBe(true);
      // Tile row 0 does not hold it (or would have given pixels too).
      const first = tileRowJob(layout, 0);
      const top = pixels.subarray(0, first.rows * 25000 * 3);
      const hasKey = top.some(
        (_v, i) => i % 3 === 0 && (top[i]! | (top[i + 1]! << 8) | (top[i + 2]! << 16)) === key,
      );
      expect(mappedBy({ ...first, lookup }, decodeTileRow({ ...first, lookup }))).toBe(!hasKey);
    } finally {
      matcher.release();
    }
  });

  test('a thread beyond those the lookup has room for decodes the pixels', async () => {
    const { layout, pixels } = await tiled(133, KINDS[1]![1]);
    const { matcher, lookup } = learned(pixels, layout, 0);
    try {
      const job = tileRowJob(layout, 0);
      const decoded = decodeTileRow({ ...job, lookup });
      expect(mappedBy({ ...job, lookup }, decoded)).toBe(false);
      expect(Buffer.from(decoded).equals(pixels.subarray(0, job.rows * 133 * 3))).toBe(true);
    } finally {
      matcher.release();
    }
  });
});
