import { describe, expect, test } from 'vitest';
import { modeOfFour, pyramidSizes, reduceIndexRows } from '../../src/io/tiff/pyramidLevels.js';

/** The rule by counting, as the issue states it: most frequent, ties to the top-left first. */
function oracle(values: number[]): number {
  let best = values[0] as number;
  let bestCount = 0;
  for (const v of values) {
    const n = values.filter((w) => w === v).length;
    if (n > bestCount) [best, bestCount] = [v, n];
  }
  return best;
}

describe('pyramid levels', () => {
  test('modeOfFour is the most frequent, ties to the earliest, for every pattern of four', () => {
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++)
        for (let c = 0; c < 4; c++)
          for (let d = 0; d < 4; d++) expect(modeOfFour(a, b, c, d)).toBe(oracle([a, b, c, d]));
  });

  test('sizes halve, rounding up, down to 256 a side', () => {
    expect(pyramidSizes(1000, 300)).toEqual([
      { width: 1000, height: 300 },
      { width: 500, height: 150 },
      { width: 250, height: 75 },
    ]);
    expect(pyramidSizes(256, 256)).toEqual([{ width: 256, height: 256 }]);
    expect(pyramidSizes(257, 3).at(-1)).toEqual({ width: 129, height: 2 });
  });

  test('an odd last column and row are their own blocks', () => {
    const out = new Uint8Array(2);
    reduceIndexRows(Uint8Array.of(1, 2, 7), Uint8Array.of(1, 3, 7), 3, out);
    expect(Array.from(out)).toEqual([1, 7]);
    const wide = new Uint16Array(2);
    reduceIndexRows(Uint16Array.of(300, 5, 9), undefined, 3, wide);
    expect(Array.from(wide)).toEqual([300, 9]);
  });
});
