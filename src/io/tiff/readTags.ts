import { open } from 'node:fs/promises';
import { TagType, TYPE_BYTES, type TagTypeCode, type TiffEntry } from './ifd.js';

/** Types read back as numbers; SSHORT, SLONG, FLOAT and the like never occur in the tags we copy. */
const READABLE = new Set<number>(Object.values(TagType));

/**
 * The entries of `wanted` tags in IFD `page` (0: the first) of a TIFF or BigTIFF file, either byte order, as
 * TiffEntry values ready to be written again (little-endian). Reads the header and the directory
 * only, never the pixels. Tags of types we do not know are skipped rather than guessed at
 * (`onUnreadable` hears of each).
 */
export async function readTiffTags(
  path: string,
  wanted: ReadonlySet<number>,
  page = 0,
  onUnreadable?: (tag: number) => void,
): Promise<TiffEntry[]> {
  const file = await open(path, 'r');
  try {
    const fileBytes = (await file.stat()).size;
    const read = async (position: number, length: number): Promise<Buffer> => {
      // Counts and offsets come from the file itself: what lies past its end is damage, and must
      // never size an allocation.
      if (!(position >= 0 && length >= 0 && position + length <= fileBytes))
        throw new Error(
          `TIFF points past its end (${length} bytes at byte ${position} of ${fileBytes})`,
        );
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, position);
      if (bytesRead < length) throw new Error(`TIFF ends inside a structure at byte ${position}`);
      return buf;
    };
    const head = await read(0, 16).catch(() => read(0, 8));
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') throw new Error('not a TIFF file');
    const le = order === 'II';
    const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
    const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    const u64 = (b: Buffer, at: number) =>
      Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
    const bigtiff = u16(head, 2) === 43;
    const entrySize = bigtiff ? 20 : 12;
    let ifdAt = bigtiff ? u64(head, 8) : u32(head, 4);
    const seen = new Set<number>();
    for (let p = 0; p < page; p++) {
      // Each IFD ends with the offset of the next: a loop or a 0 means there is no such page.
      seen.add(ifdAt);
      const n = bigtiff ? u64(await read(ifdAt, 8), 0) : u16(await read(ifdAt, 2), 0);
      const nextAt = ifdAt + (bigtiff ? 8 : 2) + n * entrySize;
      ifdAt = bigtiff ? u64(await read(nextAt, 8), 0) : u32(await read(nextAt, 4), 0);
      if (ifdAt === 0 || seen.has(ifdAt)) throw new Error(`TIFF has no page ${page}`);
    }
    const count = bigtiff ? u64(await read(ifdAt, 8), 0) : u16(await read(ifdAt, 2), 0);
    const table = await read(ifdAt + (bigtiff ? 8 : 2), count * entrySize);

    const entries: TiffEntry[] = [];
    for (let e = 0; e < count; e++) {
      const at = e * entrySize;
      const tag = u16(table, at);
      const type = u16(table, at + 2);
      if (!wanted.has(tag)) continue;
      if (!READABLE.has(type)) {
        onUnreadable?.(tag);
        continue;
      }
      const n = bigtiff ? u64(table, at + 4) : u32(table, at + 4);
      const bytes = n * TYPE_BYTES[type as TagTypeCode];
      const inline = bigtiff ? 8 : 4;
      const valueAt = at + (bigtiff ? 12 : 8);
      const raw =
        bytes <= inline
          ? table.subarray(valueAt, valueAt + bytes)
          : await read(bigtiff ? u64(table, valueAt) : u32(table, valueAt), bytes);
      entries.push({
        tag,
        type: type as TagTypeCode,
        values: decode(raw, type as TagTypeCode, n, le),
      });
    }
    return entries;
  } finally {
    await file.close();
  }
}

function decode(raw: Buffer, type: TagTypeCode, n: number, le: boolean): TiffEntry['values'] {
  switch (type) {
    case TagType.ASCII: {
      // The writer adds the final NUL back; NULs inside separate strings and are kept.
      const text = raw.toString('latin1');
      return text.endsWith('\0') ? text.slice(0, -1) : text;
    }
    case TagType.BYTE:
    case TagType.UNDEFINED:
      return Uint8Array.from(raw);
    default: {
      const values: number[] = [];
      const size = TYPE_BYTES[type];
      const parts = type === TagType.RATIONAL ? 2 * n : n;
      const step = type === TagType.RATIONAL ? 4 : size;
      for (let i = 0; i < parts; i++) values.push(readNumber(raw, i * step, type, le));
      return values;
    }
  }
}

function readNumber(raw: Buffer, at: number, type: TagTypeCode, le: boolean): number {
  switch (type) {
    case TagType.SHORT:
      return le ? raw.readUInt16LE(at) : raw.readUInt16BE(at);
    case TagType.LONG:
    case TagType.RATIONAL:
      return le ? raw.readUInt32LE(at) : raw.readUInt32BE(at);
    case TagType.DOUBLE:
      return le ? raw.readDoubleLE(at) : raw.readDoubleBE(at);
    case TagType.LONG8:
      return Number(le ? raw.readBigUInt64LE(at) : raw.readBigUInt64BE(at));
    default:
      throw new Error(`cannot read TIFF type ${type} as numbers`);
  }
}
