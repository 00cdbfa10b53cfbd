import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { quantizeFile } from '../../../src/index.js';
import { syntheticPixels, tempFolder } from '../../helpers/images.js';

/**
 * A big image fitted on every pixel hands pass 1's colour counts to pass 2, which learns every
 * colour's nearest entry and error from them at once and adds no error per pixel. The error
 * reported must still be every pixel's, as an independent decoder measures it, on both of pass 2's
 * paths (bands of rows, and a tiled TIFF's regions) and where alpha is dropped.
 */
const WIDTH = 2400;
const HEIGHT = 1800;
const folder = tempFolder('gq-learned-');
const at = (name: string): string => join(folder.dir, name);
afterAll(() => folder.remove());

beforeAll(async () => {
  const rgb = Buffer.from(syntheticPixels(WIDTH, HEIGHT, 3, 5));
  const raw = { raw: { width: WIDTH, height: HEIGHT, channels: 3 as const } };
  await sharp(rgb, raw).png({ compressionLevel: 1 }).toFile(at('photo.png'));
  await sharp(rgb, raw)
    .tiff({ compression: 'deflate', tile: true, tileWidth: 256, tileHeight: 256 })
    .toFile(at('tiled.tif'));
  await sharp(rgb, raw).ensureAlpha(1).png({ compressionLevel: 1 }).toFile(at('opaque-rgba.png'));
});

/** Mean squared error of `output` against `input` over RGB, both decoded by libvips. */
async function measuredMse(input: string, output: string): Promise<number> {
  const [a, b] = await Promise.all(
    [input, output].map((p) => sharp(p).removeAlpha().toColourspace('srgb').raw().toBuffer()),
  );
  expect(a!.length).toBe(WIDTH * HEIGHT * 3);
  let sse = 0;
  for (let i = 0; i < a!.length; i++) sse += ((a![i] as number) - (b![i] as number)) ** 2;
  return sse / a!.length;
}

test.each([
  ['a PNG, by bands of rows', 'photo.png', 'png'],
  ['a tiled TIFF, by its regions', 'tiled.tif', 'tif'],
  ['an opaque RGBA PNG, its alpha dropped', 'opaque-rgba.png', 'tif'],
])('%s: the error reported is every pixel’s', async (_name, input, format) => {
  const output = at(`out-${input}.${format}`);
  const result = await quantizeFile(at(input), output, { k: 48 });
  expect(result.fit.sampledPixels).toBeUndefined();
  const measured = await measuredMse(at(input), output);
  expect(result.mse).toBeGreaterThan(0);
  expect(Math.abs(result.mse - measured)).toBeLessThan(1e-9 * measured);
});
