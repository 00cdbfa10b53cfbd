import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quantizeFile } from '../../src/index.js';
import { decodeRgba, syntheticPixels, tempFolder, writeImage } from '../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let photo: string;
let ramp: string;
const W = 240;
const H = 90;
beforeAll(async () => {
  folder = tempFolder();
  photo = await writeImage(
    join(folder.dir, 'photo.tif'),
    syntheticPixels(W, H, 3),
    W,
    H,
    3,
    'tiff-strip',
  );
  // A horizontal grey ramp: two colours can only show it by dithering.
  const grey = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) grey[y * W + x] = Math.round((x * 255) / (W - 1));
  ramp = await writeImage(join(folder.dir, 'ramp.png'), grey, W, H, 1, 'png');
});
afterAll(() => folder.remove());

async function run(input: string, name: string, options: Parameters<typeof quantizeFile>[2]) {
  const output = join(folder.dir, name);
  const result = await quantizeFile(input, output, options);
  return { result, bytes: readFileSync(output), output };
}

describe('Floyd-Steinberg dithering', () => {
  test.each(['png', 'tif'])('gives the same %s bytes for any band height', async (ext) => {
    const outs = await Promise.all(
      [1, 7, 64].map((h) => run(photo, `d-${h}.${ext}`, { k: 12, dither: 1, bandHeight: h })),
    );
    expect(outs[1]?.bytes.equals(outs[0]?.bytes as Buffer)).toBe(true);
    expect(outs[2]?.bytes.equals(outs[0]?.bytes as Buffer)).toBe(true);
  });

  test('keeps the local average of a ramp that two colours cannot show otherwise', async () => {
    const blackAndWhite = { size: 2, channels: 1, colors: Uint8Array.of(0, 255) };
    const plain = await run(ramp, 'ramp-plain.png', { palette: blackAndWhite });
    const dithered = await run(ramp, 'ramp-dither.png', { palette: blackAndWhite, dither: 1 });
    const blockError = async (path: string): Promise<number> => {
      const src = await decodeRgba(ramp);
      const out = await decodeRgba(path);
      let total = 0;
      for (let bx = 0; bx < W; bx += 10) {
        let a = 0;
        let b = 0;
        for (let y = 0; y < H; y++) {
          for (let x = bx; x < bx + 10; x++) {
            a += src.data[(y * W + x) * src.channels] as number;
            b += out.data[(y * W + x) * out.channels] as number;
          }
        }
        total += Math.abs(a - b) / (10 * H);
      }
      return total / (W / 10);
    };
    const plainError = await blockError(plain.output);
    const ditherError = await blockError(dithered.output);
    expect(plainError).toBeGreaterThan(50);
    expect(ditherError).toBeLessThan(plainError / 10);
    expect(dithered.result.colors).toBe(2);
  });

  test('reports the error of what it wrote, and strength 0 is no dithering', async () => {
    const { result, output } = await run(photo, 'd-mse.png', { k: 8, dither: 0.75 });
    const src = await decodeRgba(photo);
    const out = await decodeRgba(output);
    let sse = 0;
    for (let i = 0; i < src.data.length; i++)
      sse += ((src.data[i] as number) - (out.data[i] as number)) ** 2;
    expect(result.mse).toBe(sse / src.data.length);
    const off = await run(photo, 'd-off.png', { k: 8, dither: 0 });
    const none = await run(photo, 'd-none.png', { k: 8 });
    expect(off.bytes.equals(none.bytes)).toBe(true);
  });
});
