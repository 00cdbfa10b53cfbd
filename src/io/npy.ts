/**
 * numpy's .npy format, version 1.0, for 2-D arrays of unsigned 8- or 16-bit integers: enough for
 * palettes and codebooks that `numpy.load` reads without any options.
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export interface NpyArray {
  shape: [number, number];
  data: Uint8Array | Uint16Array;
}

export function encodeNpy(array: NpyArray): Buffer {
  const head = npyHeader(array.shape, array.data instanceof Uint16Array ? 16 : 8);
  const body = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return Buffer.concat([head, body]);
}

/** Everything before the data of a C-order 2-D array of uint8 or little-endian uint16. */
export function npyHeader(shape: [number, number], bits: 8 | 16): Buffer {
  const descr = bits === 16 ? '<u2' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces and ending in a
  // newline so that the data starts on a 64-byte boundary.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1')]);
}

export interface NpyLayout {
  shape: [number, number];
  bits: 8 | 16;
  /** Byte offset of the first element. */
  dataOffset: number;
}

/**
 * The shape, element size and data offset of a .npy file from its first bytes (the header is
 * shorter than 64 KiB in version 1 and 4 KiB covers any 2-D array numpy writes).
 */
export function parseNpyHeader(bytes: Buffer): NpyLayout {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) throw new Error('not a .npy file');
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start + headerLength) throw new Error('.npy header cut short');
  const header = bytes.subarray(start, start + headerLength).toString('latin1');
  const fields = headerFields(header);
  const descr = fields.get('descr')?.replace(/^'|'$/g, '');
  const fortran = fields.get('fortran_order');
  const shape = /^\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)$/.exec(fields.get('shape') ?? '');
  if (!descr || !shape || fortran !== 'False') {
    throw new Error(`unsupported .npy header (need a C-order 2-D array): ${header.trim()}`);
  }
  const dims: [number, number] = [Number(shape[1]), Number(shape[2])];
  const bits = descr === '|u1' || descr === '<u1' ? 8 : descr === '<u2' ? 16 : undefined;
  if (!bits) throw new Error(`unsupported .npy dtype ${descr}: need uint8 or little-endian uint16`);
  return { shape: dims, bits, dataOffset: start + headerLength };
}

/**
 * The header's dictionary, read as strictly as numpy reads it: one literal with exactly the keys
 * descr, fortran_order and shape, padded with whitespace and ending in a newline. A header numpy
 * would refuse is refused here too: what gigaquant reads, numpy users must be able to read.
 */
function headerFields(header: string): Map<string, string> {
  if (!header.endsWith('\n')) throw new Error('.npy header does not end in a newline');
  const dict = /^\{(.*)\}[ \t\n]*$/s.exec(header)?.[1];
  if (dict === undefined)
    throw new Error(`.npy header is not a dictionary: ${JSON.stringify(header)}`);
  const fields = new Map<string, string>();
  const entry = /\s*'(\w+)'\s*:\s*('[^']*'|True|False|\([^()]*\))\s*(?:,|$)/y;
  let at = 0;
  while (at < dict.trimEnd().length) {
    entry.lastIndex = at;
    const m = entry.exec(dict);
    if (!m || fields.has(m[1] as string))
      throw new Error(`.npy header is not numpy's: ${JSON.stringify(header)}`);
    fields.set(m[1] as string, m[2] as string);
    at = entry.lastIndex;
  }
  const keys = [...fields.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw new Error(`.npy header has keys ${keys}`);
  return fields;
}

export function decodeNpy(bytes: Buffer): NpyArray {
  const { shape, bits, dataOffset } = parseNpyHeader(bytes);
  const body = bytes.subarray(dataOffset);
  const count = shape[0] * shape[1];
  if (body.length < count * (bits / 8)) throw new Error('.npy file is shorter than its shape');
  if (bits === 8) return { shape, data: Uint8Array.from(body.subarray(0, count)) };
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) data[i] = body.readUInt16LE(i * 2);
  return { shape, data };
}
