/**
 * Pure builders of TIFF structures (TIFF 6.0 and the BigTIFF extension), little-endian. No I/O.
 */

export const TagType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  UNDEFINED: 7,
  DOUBLE: 12,
  LONG8: 16,
} as const;
export type TagTypeCode = (typeof TagType)[keyof typeof TagType];

export const TYPE_BYTES: Record<TagTypeCode, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  7: 1,
  12: 8,
  16: 8,
};

export interface TiffEntry {
  tag: number;
  type: TagTypeCode;
  /**
   * Numbers for numeric types (a RATIONAL is two numbers), a string for ASCII (NULs inside it
   * separate several strings, as GeoAsciiParams does), or bytes for BYTE and UNDEFINED.
   */
  values: readonly number[] | string | Uint8Array;
}

export function header(bigtiff: boolean, firstIfdOffset: number): Buffer {
  if (!bigtiff) {
    const b = Buffer.alloc(8);
    b.write('II', 0, 'latin1');
    b.writeUInt16LE(42, 2);
    b.writeUInt32LE(firstIfdOffset, 4);
    return b;
  }
  const b = Buffer.alloc(16);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(43, 2);
  b.writeUInt16LE(8, 4);
  b.writeUInt16LE(0, 6);
  b.writeBigUInt64LE(BigInt(firstIfdOffset), 8);
  return b;
}

export function headerBytes(bigtiff: boolean): number {
  return bigtiff ? 16 : 8;
}

/**
 * One IFD placed at file offset `at` (which must be even), with its out-of-line values right
 * after it, each on an even offset. Entries are sorted by tag as the spec requires; the next-IFD
 * offset is 0.
 */
export function buildIfd(entries: readonly TiffEntry[], at: number, bigtiff: boolean): Buffer {
  if (at % 2 !== 0) throw new Error('IFD offset must be even');
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const entrySize = bigtiff ? 20 : 12;
  const countSize = bigtiff ? 8 : 2;
  const nextSize = bigtiff ? 8 : 4;
  const inlineBytes = bigtiff ? 8 : 4;
  const tableBytes = countSize + sorted.length * entrySize + nextSize;

  const encoded = sorted.map((e) => encodeValues(e));
  let extra = 0;
  for (const bytes of encoded)
    if (bytes.length > inlineBytes) extra += bytes.length + (bytes.length % 2);
  const out = Buffer.alloc(tableBytes + extra);

  let pos = 0;
  if (bigtiff) out.writeBigUInt64LE(BigInt(sorted.length), pos);
  else out.writeUInt16LE(sorted.length, pos);
  pos += countSize;
  let dataPos = tableBytes;
  sorted.forEach((e, i) => {
    const bytes = encoded[i] as Buffer;
    const count =
      typeof e.values === 'string' || e.values instanceof Uint8Array
        ? bytes.length
        : e.values.length / (e.type === TagType.RATIONAL ? 2 : 1);
    out.writeUInt16LE(e.tag, pos);
    out.writeUInt16LE(e.type, pos + 2);
    if (bigtiff) out.writeBigUInt64LE(BigInt(count), pos + 4);
    else out.writeUInt32LE(count, pos + 4);
    const valuePos = pos + (bigtiff ? 12 : 8);
    if (bytes.length <= inlineBytes) {
      bytes.copy(out, valuePos);
    } else {
      if (bigtiff) out.writeBigUInt64LE(BigInt(at + dataPos), valuePos);
      else out.writeUInt32LE(at + dataPos, valuePos);
      bytes.copy(out, dataPos);
      dataPos += bytes.length + (bytes.length % 2);
    }
    pos += entrySize;
  });
  return out;
}

function encodeValues(e: TiffEntry): Buffer {
  if (typeof e.values === 'string') return Buffer.from(e.values + '\0', 'latin1');
  if (e.values instanceof Uint8Array) return Buffer.from(e.values);
  const size = TYPE_BYTES[e.type];
  const n = e.type === TagType.RATIONAL ? e.values.length / 2 : e.values.length;
  const out = Buffer.alloc(n * size);
  e.values.forEach((v, i) => {
    switch (e.type) {
      case TagType.SHORT:
        out.writeUInt16LE(v, i * 2);
        break;
      case TagType.LONG:
      case TagType.RATIONAL:
        out.writeUInt32LE(v, i * 4);
        break;
      case TagType.LONG8:
        out.writeBigUInt64LE(BigInt(v), i * 8);
        break;
      case TagType.DOUBLE:
        out.writeDoubleLE(v, i * 8);
        break;
      case TagType.BYTE:
      case TagType.UNDEFINED:
        out.writeUInt8(v, i);
        break;
      default:
        throw new Error(`cannot encode numbers as type ${e.type}`);
    }
  });
  return out;
}

/** TIFF ColorMap: all reds, then greens, then blues, 16 bits each, 2^bitsPerSample entries. */
export function colorMap(rgb: Uint8Array, bitsPerSample: number): number[] {
  const entries = 1 << bitsPerSample;
  const size = rgb.length / 3;
  const out = new Array<number>(3 * entries).fill(0);
  for (let i = 0; i < size; i++) {
    for (let ch = 0; ch < 3; ch++) out[ch * entries + i] = (rgb[i * 3 + ch] as number) * 257;
  }
  return out;
}

/** A resolution as a TIFF RATIONAL: exact for whole numbers, to 1/10000 otherwise. */
export function rational(value: number): [number, number] {
  if (Number.isInteger(value) && value < 2 ** 32) return [value, 1];
  return [Math.round(value * 10000), 10000];
}

/** Points an IFD built by buildIfd at the next one (its next-IFD offset is 0 until then). */
export function linkIfd(ifd: Buffer, next: number, bigtiff: boolean): void {
  const count = bigtiff ? Number(ifd.readBigUInt64LE(0)) : ifd.readUInt16LE(0);
  const at = (bigtiff ? 8 : 2) + count * (bigtiff ? 20 : 12);
  if (bigtiff) ifd.writeBigUInt64LE(BigInt(next), at);
  else ifd.writeUInt32LE(next, at);
}
