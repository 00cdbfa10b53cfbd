import { describe, expect, test } from 'vitest';
import { GigaquantError } from '../../src/errors.js';
import { outputFormatFor } from '../../src/io/outputFormat.js';
import {
  DEFAULTS,
  resolveOptions,
  type QuantizeOptions,
} from '../../src/pipeline/quantizeOptions.js';
import { readFileSync } from 'node:fs';

/** The options for writing `path`, as quantizeFile resolves them. */
function resolveFor(path: string, options: QuantizeOptions) {
  return resolveOptions(outputFormatFor(path, options.format), options, path);
}

describe('resolveOptions', () => {
  test.each([
    [
      'out.png',
      { k: 257, kind: 'palette' as const },
      /between 1 and 256 for k for PNG palette output out.png but received 257/,
    ],
    ['out.gif', { k: 257 }, /between 1 and 256 for k for GIF rgb output/],
    ['out.npy', { k: 65537 }, /between 1 and 65536 for k for .npy labels output/],
    ['out.png', { k: 8, tile: 64 }, /tiles are for TIFF output/],
    ['out.tif', { k: 8, tile: 40 }, /multiple of 16/],
    ['out.tif', { k: 8, quality: 80 }, /quality is for JPEG, WebP and AVIF/],
    ['out.jpg', { k: 8, quality: 0 }, /between 1 and 100 for quality/],
    ['out.jpg', { k: 8, kind: 'labels' as const }, /label images must be lossless/],
    ['out.npy', { k: 8, kind: 'rgb' as const }, /\.npy cannot store colours/],
    ['out.png', { k: 0 }, /between 1 and 256 for k/],
    ['out.tif', { k: 65537 }, /between 1 and 65536 for k for TIFF palette output/],
    ['out.png', { k: 2.5 }, /integer .* for k/],
    ['out.bmp', { k: 8 }, /unknown output extension '\.bmp'/],
    ['out', { k: 8 }, /unknown output extension '\(none\)'/],
    ['out.png', { k: 8, seed: -1 }, /for seed/],
    ['out.png', { k: 8, sample: 4 }, /between 8 and .* for sample/],
    ['out.png', { k: 8, compressionLevel: 10 }, /between 0 and 9 for compressionLevel/],
    ['out.png', { k: 8, tol: -1 }, /for tol/],
    ['out.png', { k: 8, nInit: 0 }, /for nInit/],
    [
      'out.png',
      { k: 8, format: 'tiff' as const },
      /the name says PNG but the format asked for is TIFF/,
    ],
    ['out', { k: 8, format: 'bmp' as never }, /for format but received bmp/],
  ])('%s with %o is refused', (out, options, message) => {
    expect(() => resolveFor(out, options)).toThrow(message);
    try {
      resolveFor(out, options);
    } catch (err) {
      expect(err).toBeInstanceOf(GigaquantError);
      expect((err as GigaquantError).exitCode).toBe(2);
    }
  });

  test.each([
    ['a.png', 'png', 256],
    ['a.PNG', 'png', 2],
    ['a.tif', 'tiff', 65536],
    ['a.tiff', 'tiff', 300],
  ])('%s is %s and takes k=%i', (out, format, k) => {
    expect(resolveFor(out, { k }).format).toBe(format);
  });

  test('the default sample grows with k', () => {
    expect(resolveFor('a.png', { k: 16 }).sample).toBe(262144);
    expect(resolveFor('a.tif', { k: 65536 }).sample).toBe(8 * 65536);
  });
});

test('config/defaults.json states the same defaults as the code', () => {
  const file = JSON.parse(
    readFileSync(new URL('../../config/defaults.json', import.meta.url), 'utf8'),
  );
  delete file.$comment;
  expect(file).toEqual({ ...DEFAULTS });
});
