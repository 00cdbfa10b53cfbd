import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../src/cluster/Rng.js';

/** A fresh temporary folder, removed by the returned function. */
export function tempFolder(prefix = 'gq-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Smooth, photo-like pixels with many distinct colours (waves plus a little seeded noise), so that
 * k-means has real work; `channels` 1-4, the last being alpha for 2 and 4.
 */
export function syntheticPixels(
  width: number,
  height: number,
  channels: number,
  seed = 7,
): Uint8Array {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      const u = x / width;
      const v = y / height;
      const colour = [
        128 + 100 * Math.sin(6 * u + 2 * v),
        128 + 100 * Math.cos(5 * v - 3 * u),
        128 + 90 * Math.sin(9 * u * v + 1),
      ];
      const hasAlpha = channels === 2 || channels === 4;
      const colourChannels = hasAlpha ? channels - 1 : channels;
      for (let ch = 0; ch < colourChannels; ch++) {
        const base =
          colourChannels === 1
            ? (colour[0] as number) * 0.6 + (colour[1] as number) * 0.4
            : (colour[ch] as number);
        data[o + ch] = clamp(base + (rng.next() - 0.5) * 12);
      }
      if (hasAlpha) data[o + channels - 1] = x < width / 4 ? 0 : x < width / 2 ? 128 : 255;
    }
  }
  return data;
}

/**
 * Pseudo-random bytes from a seed (an LCG's high bytes): an image with as many distinct colours
 * as pixels, which makes k-means take its partner thread.
 */
export function noisyPixels(width: number, height: number, channels: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return data;
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

export type FixtureKind =
  | 'png'
  | 'jpeg'
  | 'jpeg-cmyk'
  | 'webp'
  | 'gif'
  | 'tiff-strip'
  | 'tiff-tiled'
  | 'bigtiff'
  | 'png16'
  | 'vips';

/** Writes `pixels` as an image file of the given kind; grey stays grey, alpha stays alpha. */
export async function writeImage(
  path: string,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  kind: FixtureKind,
): Promise<string> {
  let img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  if (channels <= 2) img = img.toColourspace('b-w');
  switch (kind) {
    case 'png':
      await img.png({ compressionLevel: 1 }).toFile(path);
      break;
    case 'png16':
      await img
        .toColourspace(channels <= 2 ? 'grey16' : 'rgb16')
        .png({ compressionLevel: 1 })
        .toFile(path);
      break;
    case 'jpeg':
      await img.jpeg({ quality: 95 }).toFile(path);
      break;
    case 'jpeg-cmyk':
      await img.toColourspace('cmyk').jpeg({ quality: 95 }).toFile(path);
      break;
    case 'webp':
      await img.webp({ lossless: true }).toFile(path);
      break;
    case 'gif':
      await img.gif().toFile(path);
      break;
    case 'tiff-strip':
      await img.tiff({ compression: 'deflate', tile: false }).toFile(path);
      break;
    case 'tiff-tiled':
      await img
        .tiff({ compression: 'lzw', tile: true, tileWidth: 64, tileHeight: 64 })
        .toFile(path);
      break;
    case 'bigtiff':
      await img.tiff({ compression: 'deflate', bigtiff: true }).toFile(path);
      break;
    case 'vips':
      await img.toFile(path);
      break;
  }
  return path;
}

/** Decodes any image whole with libvips (small test images only), 8-bit, as sRGB(A). */
export async function decodeRgba(
  path: string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(path)
    .toColourspace('srgb')
    .keepIccProfile()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

export function countDistinct(data: Uint8Array, channels: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i += channels) {
    let key = 0;
    for (let ch = 0; ch < channels; ch++) key = key * 256 + (data[i + ch] as number);
    seen.add(key);
  }
  return seen.size;
}
