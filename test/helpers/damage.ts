import { readFileSync, writeFileSync } from 'node:fs';
import { readTiffTags } from '../../src/io/tiff/readTags.js';

const TILE_OFFSETS = 324;
const TILE_BYTE_COUNTS = 325;
const STRIP_OFFSETS = 273;
const STRIP_BYTE_COUNTS = 279;

/** Where the compressed tiles (or strips) of a TIFF's first image lie: offset and length of each. */
export async function tiffSegments(path: string): Promise<{ offset: number; length: number }[]> {
  const tags = await readTiffTags(
    path,
    new Set([TILE_OFFSETS, TILE_BYTE_COUNTS, STRIP_OFFSETS, STRIP_BYTE_COUNTS]),
  );
  const values = (tag: number): number[] =>
    (tags.find((t) => t.tag === tag)?.values as number[] | undefined) ?? [];
  const offsets = values(TILE_OFFSETS).length ? values(TILE_OFFSETS) : values(STRIP_OFFSETS);
  const counts = values(TILE_BYTE_COUNTS).length
    ? values(TILE_BYTE_COUNTS)
    : values(STRIP_BYTE_COUNTS);
  return offsets.map((offset, i) => ({ offset, length: counts[i] as number }));
}

/** Writes `to` as `from` with the bytes of one tile (or strip) flipped; the IFD stays intact. */
export async function flipSegment(from: string, to: string, which: number): Promise<void> {
  const segments = await tiffSegments(from);
  const seg = segments[which % segments.length] as { offset: number; length: number };
  const bytes = Buffer.from(readFileSync(from));
  for (let i = seg.offset + 2; i < seg.offset + seg.length; i++)
    bytes[i] = (bytes[i] as number) ^ 0x5a;
  writeFileSync(to, bytes);
}

/** Writes `to` as `from` with one tile's (or strip's) data cut to a few bytes (the IFD intact). */
export async function shortenSegment(from: string, to: string, which: number): Promise<void> {
  const segments = await tiffSegments(from);
  const seg = segments[which % segments.length] as { offset: number; length: number };
  const bytes = Buffer.from(readFileSync(from));
  bytes.fill(0, seg.offset + 4, seg.offset + seg.length);
  writeFileSync(to, bytes);
}
