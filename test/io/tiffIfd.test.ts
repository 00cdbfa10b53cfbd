import { describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTiffTags } from '../../src/io/tiff/readTags.js';
import { mayPassFourGiB } from '../../src/io/tiff/tiffDirectory.js';
import { buildIfd, colorMap, header, TagType } from '../../src/io/tiff/ifd.js';

describe('TIFF builders', () => {
  test('classic and BigTIFF headers', () => {
    expect(header(false, 0x1234).toString('hex')).toBe('49492a0034120000');
    expect(header(true, 0x1234).toString('hex')).toBe('49492b0008000000' + '3412000000000000');
  });

  test('a classic IFD: sorted entries, inline small values, out-of-line large ones after the table', () => {
    const ifd = buildIfd(
      [
        { tag: 273, type: TagType.LONG, values: [100, 200] },
        { tag: 256, type: TagType.SHORT, values: [7] },
      ],
      10,
      false,
    );
    // count, 2 entries of 12 bytes, next-IFD offset, then 8 bytes of StripOffsets.
    expect(ifd.length).toBe(2 + 24 + 4 + 8);
    expect(ifd.readUInt16LE(0)).toBe(2);
    expect(ifd.readUInt16LE(2)).toBe(256);
    expect(ifd.readUInt16LE(4)).toBe(TagType.SHORT);
    expect(ifd.readUInt32LE(6)).toBe(1);
    expect(ifd.readUInt16LE(10)).toBe(7);
    expect(ifd.readUInt16LE(14)).toBe(273);
    expect(ifd.readUInt32LE(18)).toBe(2);
    expect(ifd.readUInt32LE(22)).toBe(10 + 30);
    expect(ifd.readUInt32LE(26)).toBe(0);
    expect(ifd.readUInt32LE(30)).toBe(100);
    expect(ifd.readUInt32LE(34)).toBe(200);
  });

  test('a BigTIFF IFD has 8-byte counts and offsets, LONG8 values inline when they fit', () => {
    const ifd = buildIfd([{ tag: 273, type: TagType.LONG8, values: [2 ** 33] }], 16, true);
    expect(ifd.length).toBe(8 + 20 + 8);
    expect(ifd.readBigUInt64LE(0)).toBe(1n);
    expect(ifd.readUInt16LE(8)).toBe(273);
    expect(ifd.readUInt16LE(10)).toBe(TagType.LONG8);
    expect(ifd.readBigUInt64LE(12)).toBe(1n);
    expect(ifd.readBigUInt64LE(20)).toBe(2n ** 33n);
  });

  test('ASCII values are NUL-terminated; odd-length data keeps the next value on an even offset', () => {
    const ifd = buildIfd(
      [
        { tag: 305, type: TagType.ASCII, values: 'abcd' },
        { tag: 320, type: TagType.SHORT, values: [1, 2, 3] },
      ],
      0,
      false,
    );
    const table = 2 + 24 + 4;
    expect(ifd.readUInt32LE(2 + 8)).toBe(table);
    expect(ifd.subarray(table, table + 5).toString('latin1')).toBe('abcd\0');
    expect(ifd.readUInt32LE(2 + 12 + 8)).toBe(table + 6);
  });

  test('ColorMap is reds, greens, blues over 2^bits entries, scaled to 16 bits', () => {
    const map = colorMap(Uint8Array.of(255, 0, 1, 2, 3, 4), 8);
    expect(map.length).toBe(768);
    expect([map[0], map[1], map[256], map[257], map[512], map[513]]).toEqual([
      65535, 514, 0, 771, 257, 1028,
    ]);
    expect(map[2]).toBe(0);
  });
});

describe('BigTIFF when the file could pass 4 GiB', () => {
  test.each([
    [1000, 1000, 1, false],
    [60000, 60000, 1, false],
    [65536, 65536, 1, true],
    [46341, 46341, 2, true],
    [40000, 40000, 2, false],
    [38000, 38000, 3, true],
    [30000, 30000, 3, false],
  ] as const)('%i x %i at %i bytes per pixel: %s', (w, h, bytes, big) => {
    expect(mayPassFourGiB(w, h, bytes)).toBe(big);
  });

  test('edge tiles are padded to whole tiles', () => {
    // 65000^2 fits in 4 GiB at one byte per pixel; padded to 4096-pixel tiles (65536^2) it does not.
    expect(mayPassFourGiB(65000, 65000, 1)).toBe(false);
    expect(mayPassFourGiB(65000, 65000, 1, 4096)).toBe(true);
  });
});

describe('readTiffTags on a damaged directory', () => {
  /** A little-endian TIFF: header, then one IFD entry of `count` values of `type` at its offset. */
  function tiffWith(entries: number, tag: number, type: number, count: number): Buffer {
    const b = Buffer.alloc(8 + 2 + 12 + 4);
    b.write('II', 0, 'latin1');
    b.writeUInt16LE(42, 2);
    b.writeUInt32LE(8, 4);
    b.writeUInt16LE(entries, 8);
    b.writeUInt16LE(tag, 10);
    b.writeUInt16LE(type, 12);
    b.writeUInt32LE(count, 14);
    b.writeUInt32LE(8, 18);
    return b;
  }

  test.each([
    ['an entry count past the end', tiffWith(0xffff, 33550, 12, 3)],
    ['a value count of 2^31 doubles', tiffWith(1, 33550, 12, 2 ** 31)],
    ['a value count of 2^32 - 1 bytes', tiffWith(1, 34735, 3, 2 ** 32 - 1)],
  ])('%s: refused, sizing nothing from it', async (_, bytes) => {
    const folder = mkdtempSync(join(tmpdir(), 'gq-tags-'));
    try {
      const path = join(folder, 'bad.tif');
      writeFileSync(path, bytes);
      await expect(readTiffTags(path, new Set([33550, 34735]))).rejects.toThrow(
        /points past its end/,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
