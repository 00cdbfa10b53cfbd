import { describe, expect, test } from 'vitest';
import { convertBand, isOpaque, paletteForImage } from '../../src/model/channels.js';
import { oneRowBand as band } from '../helpers/bands.js';

describe('convertBand', () => {
  test.each([
    [1, [7, 9], 3, [7, 7, 7, 9, 9, 9]],
    [1, [7], 2, [7, 255]],
    [2, [7, 0], 4, [7, 7, 7, 0]],
    [2, [7, 0], 1, [7]],
    [3, [1, 2, 3], 4, [1, 2, 3, 255]],
    [4, [1, 2, 3, 4], 3, [1, 2, 3]],
    [3, [1, 2, 3], 3, [1, 2, 3]],
  ])('%i channels %j to %i channels', (from, data, to, expected) => {
    expect(Array.from(convertBand(band(from, data), to as 1 | 2 | 3 | 4).data)).toEqual(expected);
  });

  test('colour to grey is refused', () => {
    expect(() => convertBand(band(3, [1, 2, 3]), 1)).toThrow(/colour pixels to grey/);
  });
});

test('isOpaque looks at alpha only', () => {
  expect(isOpaque(band(4, [0, 0, 0, 255, 9, 9, 9, 255]))).toBe(true);
  expect(isOpaque(band(2, [0, 254]))).toBe(false);
  expect(isOpaque(band(3, [0, 0, 0]))).toBe(true);
});

test('a grey palette is spread to RGB for a colour image, and left alone for a grey one', () => {
  const grey = { size: 2, channels: 1, colors: Uint8Array.of(10, 200) };
  expect(Array.from(paletteForImage(grey, 3).colors)).toEqual([10, 10, 10, 200, 200, 200]);
  expect(paletteForImage(grey, 1)).toBe(grey);
});
