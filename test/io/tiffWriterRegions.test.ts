import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TiffWriter } from '../../src/io/tiff/TiffWriter.js';
import { indexLayout } from '../../src/io/sampleLayout.js';
import { Rng } from '../../src/cluster/Rng.js';

const WIDTH = 300;
const HEIGHT = 200;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-tiffregions-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Grey labels (a label TIFF, no palette), so that libvips gives back the indices themselves. */
function labels(bits: 8 | 16): Uint8Array | Uint16Array {
  const out = bits === 8 ? new Uint8Array(WIDTH * HEIGHT) : new Uint16Array(WIDTH * HEIGHT);
  for (let i = 0; i < out.length; i++)
    out[i] = (i * 37 + (i >> 9) * 101) % (bits === 8 ? 256 : 4000);
  return out;
}

function writer(name: string, bits: 8 | 16): Promise<TiffWriter> {
  return TiffWriter.create(join(dir, name), {
    width: WIDTH,
    height: HEIGHT,
    layout: indexLayout(bits === 8 ? 256 : 4000),
    bigtiff: false,
    tile: 32,
    software: 'test',
    compressionLevel: 6,
  });
}

/** The regions of `w` x `h` tiles that cover the image, in a shuffled order. */
function shuffledRegions(w: number, h: number, seed: number) {
  const regions = [];
  for (let y = 0; y < HEIGHT; y += h * 32)
    for (let left = 0; left < WIDTH; left += w * 32)
      regions.push({
        y,
        left,
        width: Math.min(w * 32, WIDTH - left),
        height: Math.min(h * 32, HEIGHT - y),
      });
  const rng = new Rng(seed);
  for (let i = regions.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [regions[i], regions[j]] = [regions[j]!, regions[i]!];
  }
  return regions;
}

test.each([
  [8, 1, 1],
  [8, 3, 2],
  [16, 2, 4],
] as const)(
  '%i-bit labels written as regions of %ix%i tiles in any order: the file libvips reads is the image',
  async (bits, w, h) => {
    const image = labels(bits);
    const name = `regions-${bits}-${w}x${h}.tif`;
    const out = await writer(name, bits);
    for (const r of shuffledRegions(w, h, bits + w * 10 + h)) {
      const indices =
        bits === 8 ? new Uint8Array(r.width * r.height) : new Uint16Array(r.width * r.height);
      for (let row = 0; row < r.height; row++)
        indices.set(
          image.subarray((r.y + row) * WIDTH + r.left, (r.y + row) * WIDTH + r.left + r.width),
          row * r.width,
        );
      await out.writeRegion({ ...r, indices });
    }
    expect(await out.close()).toBe(true);
    const path = join(dir, name);
    expect(execFileSync('tiffinfo', [path], { encoding: 'utf8' })).toContain(
      'Tile Width: 32 Tile Length: 32',
    );
    const { data, info } = await sharp(path)
      .toColourspace(bits === 8 ? 'b-w' : 'grey16')
      .raw({ depth: bits === 8 ? 'uchar' : 'ushort' })
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    const decoded =
      bits === 8
        ? new Uint8Array(data)
        : new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    expect(
      Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(
        Buffer.from(image.buffer, image.byteOffset, image.byteLength),
      ),
    ).toBe(true);
  },
);

test('a tile never written fails the file, and nothing is left', async () => {
  const out = await writer('missing.tif', 8);
  const regions = shuffledRegions(2, 2, 7);
  for (const r of regions.slice(1))
    await out.writeRegion({ ...r, indices: new Uint8Array(r.width * r.height) });
  await expect(out.close()).rejects.toThrow(/TIFF chunk \d+ was never written/);
  expect(existsSync(join(dir, 'missing.tif'))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.includes('missing'))).toEqual([]);
});
