/** Pure builders of PNG bytes (PNG spec, 2nd ed., sections 5 and 11). No I/O here. */
import { deflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++)
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** length, type, data, CRC over type and data. */
export function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** PNG colour types: grey, RGB, indexed, grey + alpha, RGBA. */
export type PngColorType = 0 | 2 | 3 | 4 | 6;

/** Compression 0, filter 0, interlace 0; colour type 3 (indexed) unless told. */
export function ihdr(
  width: number,
  height: number,
  bitDepth: number,
  colorType: PngColorType = 3,
): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colorType;
  return chunk('IHDR', data);
}

/** The ICC profile, zlib-compressed as iCCP requires, under a fixed name. */
export function iccp(profile: Uint8Array): Buffer {
  const name = Buffer.from('ICC profile\0\0', 'latin1'); // name, NUL, compression method 0
  return chunk('iCCP', Buffer.concat([name, deflateSync(profile)]));
}

/** Pixels per metre, as pHYs stores them (unit 1 = metre). */
export function phys(xPerMetre: number, yPerMetre: number): Buffer {
  const data = Buffer.alloc(9);
  data.writeUInt32BE(Math.round(xPerMetre), 0);
  data.writeUInt32BE(Math.round(yPerMetre), 4);
  data[8] = 1;
  return chunk('pHYs', data);
}

export function plte(rgb: Uint8Array): Buffer {
  return chunk('PLTE', rgb);
}

/** Alpha per palette entry, cut after the last entry that is not opaque; none if all are. */
export function trns(alpha: Uint8Array | undefined): Buffer | undefined {
  if (!alpha) return undefined;
  let last = alpha.length - 1;
  while (last >= 0 && alpha[last] === 255) last--;
  return last < 0 ? undefined : chunk('tRNS', alpha.subarray(0, last + 1));
}

export function iend(): Buffer {
  return chunk('IEND', new Uint8Array(0));
}

/** The smallest PNG bit depth that can index `paletteSize` entries. */
export function bitDepthFor(paletteSize: number): 1 | 2 | 4 | 8 {
  if (paletteSize <= 2) return 1;
  if (paletteSize <= 4) return 2;
  if (paletteSize <= 16) return 4;
  return 8;
}

/** Bytes of one packed row, without its filter byte. */
export function packedRowBytes(width: number, bitDepth: number): number {
  return Math.ceil((width * bitDepth) / 8);
}

/** Filtered scanlines (filter type 0, None) for rows of `rowBytes` bytes each, packed back to back. */
export function scanlines(
  bytes: Uint8Array,
  rowBytes: number,
  rows: number,
  into?: Buffer,
): Buffer {
  const out = zeroed(rows * (rowBytes + 1), into);
  for (let r = 0; r < rows; r++)
    out.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), r * (rowBytes + 1) + 1);
  return out;
}

/** `size` zero bytes: the start of `into` where it is big enough, else a new buffer. */
function zeroed(size: number, into: Buffer | undefined): Buffer {
  return into && into.length >= size ? into.subarray(0, size).fill(0) : Buffer.alloc(size);
}

/**
 * Filtered scanlines for `rows` rows of indices: filter type 0 (None, as the spec recommends for
 * indexed images) and indices packed most significant bits first.
 */
export function packScanlines(
  indices: Uint8Array | Uint16Array,
  width: number,
  rows: number,
  bitDepth: number,
  into?: Buffer,
): Buffer {
  const rowBytes = packedRowBytes(width, bitDepth);
  const out = zeroed(rows * (rowBytes + 1), into);
  const perByte = 8 / bitDepth;
  for (let r = 0; r < rows; r++) {
    const dst = r * (rowBytes + 1) + 1;
    const src = r * width;
    if (bitDepth === 8) {
      if (indices instanceof Uint8Array) out.set(indices.subarray(src, src + width), dst);
      else for (let x = 0; x < width; x++) out[dst + x] = indices[src + x] as number;
      continue;
    }
    for (let x = 0; x < width; x++) {
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      const at = dst + Math.floor(x / perByte);
      out[at] = (out[at] as number) | ((indices[src + x] as number) << shift);
    }
  }
  return out;
}
