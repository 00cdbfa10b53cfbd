import { describe, expect, test } from 'vitest';
import { ErrorGrid, type ErrorCells } from '../../src/pipeline/ErrorGrid.js';
import { worstRegions } from '../../src/pipeline/worstRegions.js';
import { Rng } from '../../src/cluster/Rng.js';
import type { Palette } from '../../src/types.js';

/** Cells of a grid with the given sizes, every cell zero but those listed. */
function cellsWith(
  hot: { cx: number; cy: number; sse: number }[],
  size = { columns: 40, rows: 30, cellWidth: 16, cellHeight: 16 },
): ErrorCells {
  const sse = new Float64Array(size.columns * size.rows);
  for (const h of hot) sse[h.cy * size.columns + h.cx] = h.sse;
  return {
    ...size,
    imageWidth: size.columns * size.cellWidth,
    imageHeight: size.rows * size.cellHeight,
    sse,
  };
}

describe('the error grid', () => {
  test('sums each pixel squared error into its cell, whatever the band heights (brute-force oracle)', () => {
    const width = 70;
    const height = 53;
    const channels = 3;
    const rng = new Rng(5);
    const palette: Palette = {
      size: 5,
      channels,
      colors: Uint8Array.from({ length: 15 }, () => rng.int(256)),
    };
    const data = Uint8Array.from({ length: width * height * channels }, () => rng.int(256));
    const indices = Uint8Array.from({ length: width * height }, () => rng.int(5));
    const nodataIndex = 4;
    const grid = new ErrorGrid(width, height, palette, nodataIndex);
    for (const [y, rows] of [
      [0, 7],
      [7, 30],
      [37, 16],
    ] as const) {
      grid.add(
        {
          y,
          height: rows,
          width,
          channels,
          data: data.subarray(y * width * channels, (y + rows) * width * channels),
        },
        indices.subarray(y * width, (y + rows) * width),
      );
    }
    const cells = grid.finish();
    expect([cells.cellWidth, cells.cellHeight, cells.columns, cells.rows]).toEqual([16, 16, 5, 4]);
    const expected = new Float64Array(cells.columns * cells.rows);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const e = indices[p] as number;
        if (e === nodataIndex) continue;
        let d2 = 0;
        for (let ch = 0; ch < channels; ch++)
          d2 += ((data[p * 3 + ch] as number) - (palette.colors[e * 3 + ch] as number)) ** 2;
        const cell = Math.floor(y / 16) * 5 + Math.floor(x / 16);
        expected[cell] = (expected[cell] as number) + d2;
      }
    expect(Array.from(cells.sse)).toEqual(Array.from(expected));
  });

  test('has at most 256 cells a side whatever the image (bounded memory)', () => {
    const palette: Palette = { size: 1, channels: 1, colors: new Uint8Array(1) };
    const cells = new ErrorGrid(60_280, 135_640, palette).finish();
    expect(cells.columns).toBeLessThanOrEqual(256);
    expect(cells.rows).toBeLessThanOrEqual(256);
    expect(cells.columns * cells.cellWidth).toBeGreaterThanOrEqual(60_280);
    expect(cells.rows * cells.cellHeight).toBeGreaterThanOrEqual(135_640);
  });
});

describe('the worst regions', () => {
  test('the crop over the hottest cells comes first, then the next that does not overlap it', () => {
    const cells = cellsWith([
      { cx: 30, cy: 20, sse: 900 },
      { cx: 31, cy: 20, sse: 900 },
      { cx: 5, cy: 3, sse: 1000 },
      { cx: 7, cy: 4, sse: 10 },
    ]);
    const regions = worstRegions(cells, 4, 64);
    // Windows of 4x4 cells: the pair at (30,20) beats the single cell at (5,3).
    const first = regions[0] as (typeof regions)[number];
    expect(first.width).toBe(64);
    expect(first.sse).toBe(1800);
    expect(first.left).toBeLessThanOrEqual(30 * 16);
    expect(first.left + 64).toBeGreaterThanOrEqual(32 * 16);
    expect(first.top).toBeLessThanOrEqual(20 * 16);
    expect(first.top + 64).toBeGreaterThanOrEqual(21 * 16);
    const second = regions[1] as (typeof regions)[number];
    expect(second.sse).toBe(1010);
    for (const [i, a] of regions.entries())
      for (const b of regions.slice(i + 1)) {
        const apart =
          a.left + a.width <= b.left ||
          b.left + b.width <= a.left ||
          a.top + a.height <= b.top ||
          b.top + b.height <= a.top;
        expect(apart).toBe(true);
      }
    for (const r of regions) {
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left + r.width).toBeLessThanOrEqual(cells.imageWidth);
      expect(r.top + r.height).toBeLessThanOrEqual(cells.imageHeight);
    }
  });

  test('none without error; the whole image when it is smaller than a crop; the same choice every time', () => {
    expect(worstRegions(cellsWith([]), 4, 64)).toEqual([]);
    const small = cellsWith([{ cx: 1, cy: 1, sse: 5 }], {
      columns: 3,
      rows: 2,
      cellWidth: 16,
      cellHeight: 16,
    });
    expect(worstRegions(small, 4, 192)).toEqual([
      { left: 0, top: 0, width: 48, height: 32, sse: 5 },
    ]);
    const ties = cellsWith([
      { cx: 30, cy: 20, sse: 7 },
      { cx: 2, cy: 25, sse: 7 },
      { cx: 20, cy: 2, sse: 7 },
    ]);
    const once = worstRegions(ties, 3, 32);
    expect(once.map((r) => r.top < 100)).toEqual([true, false, false]);
    expect(worstRegions(ties, 3, 32)).toEqual(once);
  });

  test('cells wider than a crop (a gigapixel image): the crop sits in the middle of the worst cell', () => {
    const cells = cellsWith([{ cx: 3, cy: 2, sse: 50 }], {
      columns: 10,
      rows: 10,
      cellWidth: 500,
      cellHeight: 400,
    });
    const [r] = worstRegions(cells, 1, 192);
    expect(r).toEqual({
      left: 3 * 500 + 250 - 96,
      top: 2 * 400 + 200 - 96,
      width: 192,
      height: 192,
      sse: 50,
    });
  });
});
