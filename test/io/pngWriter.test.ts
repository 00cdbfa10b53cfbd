import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PngWriter } from '../../src/io/png/PngWriter.js';
import { indexLayout } from '../../src/io/sampleLayout.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gigaquant-pngwriter-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The writer packs scanlines into two buffers in turn, while zlib compresses on libuv's threads.
 * Bands of one row are taken by zlib at once (write() returns true), so the writer runs ahead of
 * zlib; bands of many rows wait for 'drain'. Either way no band may be packed over one zlib has
 * not finished: the file must decode (libvips, pngcheck) to every band as written, also when the
 * caller reuses its own buffer band after band, as pass 2's mapper does.
 */
test.each([
  ['one-row bands', 1],
  ['bands of 7 rows', 7],
  ['bands of 300 rows', 300],
])('grey labels written in %s decode to what was written', async (_name, bandRows) => {
  const width = 301;
  const height = 900;
  const path = join(dir, `labels-${bandRows}.png`);
  const writer = await PngWriter.create(path, {
    width,
    height,
    layout: indexLayout(256),
    compressionLevel: 6,
  });
  const expected = new Uint8Array(width * height);
  const band = new Uint8Array(width * bandRows);
  for (let y = 0; y < height; y += bandRows) {
    const rows = Math.min(bandRows, height - y);
    for (let i = 0; i < rows * width; i++) band[i] = (((y + i / width) | 0) * 31 + i * 7) % 251;
    expected.set(band.subarray(0, rows * width), y * width);
    await writer.write({ y, height: rows, width, indices: band.subarray(0, rows * width) });
  }
  expect(await writer.close()).toBe(true);
  execFileSync('pngcheck', ['-q', path]);
  const decoded = await sharp(path)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(decoded.info).toMatchObject({ width, height, channels: 1 });
  expect(Buffer.from(expected).equals(decoded.data)).toBe(true);
});
