import { describe, expect, test } from 'vitest';
import { decodeNpy, encodeNpy, parseNpyHeader } from '../../src/io/npy.js';

/** A version 1.0 .npy header around `dict` (padding as given), then `dataBytes` zero bytes. */
function npyWith(header: string, dataBytes = 12): Buffer {
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.alloc(dataBytes)]);
}

describe('.npy headers are read as numpy reads them', () => {
  test('what encodeNpy writes is read back', () => {
    const data = Uint16Array.of(1, 2, 3, 65535, 0, 7);
    const back = decodeNpy(encodeNpy({ shape: [2, 3], data }));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  test("numpy's own spellings: keys in any order, no trailing comma, a 1-tuple comma", () => {
    const header = "{'shape': (3, 4), 'fortran_order': False, 'descr': '|u1'}   \n";
    expect(parseNpyHeader(npyWith(header))).toMatchObject({ shape: [3, 4], bits: 8 });
  });

  test.each([
    ['NUL padding', "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }\0\0\0\n"],
    ['no newline', "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }    "],
    ['an extra key', "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), 'x': True}\n"],
    ['a key twice', "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (3, 4)}\n"],
    ['text after the dictionary', "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4)} x\n"],
    ['three dimensions', "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4, 2)}\n"],
  ])('%s: refused, as numpy refuses it', (_, header) => {
    expect(() => parseNpyHeader(npyWith(header))).toThrow();
  });
});
