import { expect, test } from 'vitest';
import { rowShare } from '../../src/split/rowShares.js';

test('shares cover every row once, in order, cut at chunk boundaries', () => {
  for (const [height, chunk] of [
    [1000, 64],
    [7, 16],
    [4096, 256],
    [1001, 1],
  ] as const) {
    for (const count of [1, 2, 3, 7, 20]) {
      let next = 0;
      for (let index = 0; index < count; index++) {
        const { from, to } = rowShare(height, chunk, index, count);
        expect(from).toBe(next);
        expect(to).toBeGreaterThanOrEqual(from);
        if (to < height) expect(to % chunk).toBe(0);
        next = to;
      }
      expect(next).toBe(height);
    }
  }
});

test('shares are as even as whole chunks allow', () => {
  const sizes = [0, 1, 2, 3].map((i) => {
    const { from, to } = rowShare(1000, 10, i, 4);
    return to - from;
  });
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(10);
});
