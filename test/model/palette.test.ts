import { describe, expect, test } from 'vitest';
import { paletteFromColors, paletteRgba, paletteHex } from '../../src/model/palette.js';

describe('paletteFromColors', () => {
  test('rounds, clamps and merges duplicates', () => {
    const p = paletteFromColors([10.4, 20.6, 300, 10.2, 21.4, 255.9, -3, 0, 0], 3);
    expect(p.size).toBe(2);
    expect(Array.from(p.colors)).toEqual([0, 0, 0, 10, 21, 255]);
  });

  test('orders grey dark to light', () => {
    const p = paletteFromColors([200, 5, 90], 1);
    expect(Array.from(p.colors)).toEqual([5, 90, 200]);
  });

  test('puts translucent entries first so tRNS can stop early', () => {
    const p = paletteFromColors([0, 0, 0, 255, 255, 255, 255, 0, 9, 9, 9, 128], 4);
    expect(Array.from(p.colors)).toEqual([255, 255, 255, 0, 9, 9, 9, 128, 0, 0, 0, 255]);
  });
});

describe('paletteRgba', () => {
  test('spreads grey to r = g = b and splits alpha off', () => {
    const { rgb, alpha } = paletteRgba({
      size: 2,
      channels: 2,
      colors: Uint8Array.of(7, 0, 200, 255),
    });
    expect(Array.from(rgb)).toEqual([7, 7, 7, 200, 200, 200]);
    expect(Array.from(alpha ?? [])).toEqual([0, 255]);
  });
});

test.each([
  [1, [128, 5], ['#808080', '#050505']],
  [2, [128, 64], ['#80808040']],
  [3, [255, 0, 16], ['#ff0010']],
  [4, [1, 2, 3, 4], ['#01020304']],
])('paletteHex of %i channels: CSS hex, grey spread to r = g = b', (channels, colors, hex) => {
  const palette = { size: hex.length, channels, colors: Uint8Array.from(colors) };
  expect(paletteHex(palette)).toEqual(hex);
});
