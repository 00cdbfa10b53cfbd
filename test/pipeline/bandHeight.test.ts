import { expect, test } from 'vitest';
import { chooseBandHeight } from '../../src/pipeline/bandHeight.js';

const MiB = 1024 * 1024;

/** How many times a band layout decodes the tile rows it touches, summed over the image. */
function tileRowDecodes(height: number, band: number, tile: number): number {
  let decodes = 0;
  for (let y = 0; y < height; y += band) {
    const last = Math.min(height, y + band) - 1;
    decodes += Math.floor(last / tile) - Math.floor(y / tile) + 1;
  }
  return decodes;
}

test('bands hold whole tile rows when one fits in twice the budget: each tile decoded once', () => {
  // The case: 60280 px wide, 128-row tiles, 64 MiB: 69 rows fit, a tile row is 128.
  const band = chooseBandHeight(60280, 8000, 64 * MiB, 128);
  expect(band).toBe(128);
  expect(tileRowDecodes(8000, band, 128)).toBe(Math.ceil(8000 / 128));
  // Several tile rows when they fit.
  expect(chooseBandHeight(4000, 8000, 64 * MiB, 128)).toBe(1024);
});

test('a tile row over twice the budget: the largest band within twice it that divides the tile row', () => {
  const band = chooseBandHeight(100000, 2000, 64 * MiB, 256);
  expect(256 % band).toBe(0);
  expect(band * 100000 * 16).toBeLessThanOrEqual(2 * 64 * MiB);
  // The next divisor up would pass twice the budget.
  expect(band * 2 * 100000 * 16).toBeGreaterThan(2 * 64 * MiB);
  expect(tileRowDecodes(2000, band, 256)).toBe(Math.ceil(2000 / band));
  // The 8 Gpx bench's width: 33 rows fit, so 64-row bands, each tile decoded twice, not four times.
  expect(chooseBandHeight(120591, 67833, 64 * MiB, 128)).toBe(64);
});

test('strips of a few rows: bands are whole strips; no layout known: multiples of 256 or 16', () => {
  expect(chooseBandHeight(3000, 5000, 64 * MiB, 8) % 8).toBe(0);
  expect(chooseBandHeight(3000, 5000, 64 * MiB) % 256).toBe(0);
  expect(chooseBandHeight(50000, 5000, 64 * MiB) % 16).toBe(0);
  expect(chooseBandHeight(10, 7, 64 * MiB, 4)).toBe(7);
});
