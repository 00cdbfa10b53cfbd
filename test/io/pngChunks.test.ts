import { describe, expect, test } from 'vitest';
import {
  bitDepthFor,
  chunk,
  crc32,
  iend,
  ihdr,
  packScanlines,
  trns,
} from '../../src/io/png/chunks.js';

describe('PNG chunk builders', () => {
  test('CRC-32 matches the well-known values', () => {
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  test('IEND is the 12 bytes every PNG ends with', () => {
    expect(iend().toString('hex')).toBe('0000000049454e44ae426082');
  });

  test('IHDR for a 3x2 4-bit indexed image', () => {
    const b = ihdr(3, 2, 4);
    expect(b.subarray(0, 8).toString('hex')).toBe('0000000d49484452');
    expect(b.subarray(8, 21).toString('hex')).toBe(
      '00000003' + '00000002' + '04' + '03' + '00' + '00' + '00',
    );
    expect(b.readUInt32BE(21)).toBe(crc32(b.subarray(4, 21)));
  });

  test('chunk lays out length, type, data and CRC', () => {
    const b = chunk('tEST', Uint8Array.of(1, 2, 3));
    expect(b.length).toBe(15);
    expect(b.readUInt32BE(0)).toBe(3);
    expect(b.subarray(4, 8).toString('latin1')).toBe('tEST');
    expect(Array.from(b.subarray(8, 11))).toEqual([1, 2, 3]);
  });

  test.each([
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 4],
    [16, 4],
    [17, 8],
    [256, 8],
  ])('%i colours need bit depth %i', (size, depth) => {
    expect(bitDepthFor(size)).toBe(depth);
  });

  test.each([
    [1, [1, 0, 1, 1, 0, 0, 0, 1, 1], '00b180'],
    [2, [3, 0, 1, 2, 3], '00c6c0'],
    [4, [15, 1, 2], '00f120'],
    [8, [200, 7], '00c807'],
  ])(
    'packs a row at bit depth %i, filter byte 0, most significant bits first',
    (depth, row, hex) => {
      expect(packScanlines(Uint8Array.from(row), row.length, 1, depth).toString('hex')).toBe(hex);
    },
  );

  test('packs each row separately, padding the last byte of every row', () => {
    expect(packScanlines(Uint8Array.of(1, 1, 1, 0, 0, 1), 3, 2, 1).toString('hex')).toBe(
      '00e0' + '0020',
    );
  });

  test('tRNS stops after the last translucent entry and is left out when all are opaque', () => {
    expect(
      trns(Uint8Array.of(0, 128, 255, 255))
        ?.subarray(8, 10)
        .toString('hex'),
    ).toBe('0080');
    expect(trns(Uint8Array.of(0, 128, 255, 255))?.readUInt32BE(0)).toBe(2);
    expect(trns(Uint8Array.of(255, 255))).toBeUndefined();
    expect(trns(undefined)).toBeUndefined();
  });
});
