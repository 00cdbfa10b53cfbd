import { closeSync, openSync, readSync } from 'node:fs';
import { TilePlacer } from './TilePlacer.js';
import { NONE, type TiledLayout } from './tiledLayout.js';
import type { ColourLookup } from '../../model/colourLookup.js';
import { TileMapper } from './TileMapper.js';

/**
 * Tiles of one tile row to decode, side by side: the whole row (TileRowReader) or a block of its
 * columns (readTileBlocks). Plain data, so that a decode thread can take it as a message.
 */
export interface TileRowJob {
  path: string;
  compression: TiledLayout['compression'];
  differenced: boolean;
  tileWidth: number;
  tileHeight: number;
  /** The image's column of the first tile's left edge. */
  left: number;
  /** The pixels' width, from `left`: a tile past it holds padding on its right. */
  width: number;
  /** Where the tiles are stored, left to right. */
  offsets: Float64Array;
  byteCounts: Float64Array;
  /**
   * The image's tile columns of the tiles, where they are not side by side in the image (a
   * sampled fit's): they are decoded side by side all the same. Names a damaged tile.
   */
  tileColumns?: number[];
  /** The tile row's first row in the image, and its rows to keep (past the bottom is padding). */
  top: number;
  rows: number;
  /** Where given, the pixels are decoded as their palette indices (see mappedBy). */
  lookup?: ColourLookup;
}

/** The job for tiles [first, first + columns) of tile row `tileRow` of `layout`. */
export function tileRowJob(
  layout: TiledLayout,
  tileRow: number,
  first = 0,
  columns = layout.tilesAcross,
): TileRowJob {
  const { tileWidth, tileHeight, tilesAcross } = layout;
  const at = tileRow * tilesAcross + first;
  const left = first * tileWidth;
  return {
    path: layout.path,
    compression: layout.compression,
    differenced: layout.differenced,
    tileWidth,
    tileHeight,
    left,
    width: Math.min(layout.width - left, columns * tileWidth),
    top: tileRow * tileHeight,
    rows: Math.min(tileHeight, layout.height - tileRow * tileHeight),
    // Copies: a message would carry a view's whole array, every tile of the file.
    offsets: layout.offsets.slice(at, at + columns),
    byteCounts: layout.byteCounts.slice(at, at + columns),
  };
}

/**
 * The job for the tiles of tile row `tileRow` in image tile columns `tileColumns` (ascending),
 * decoded side by side: for a caller to whom where a pixel is does not matter.
 */
export function scatteredTilesJob(
  layout: TiledLayout,
  tileRow: number,
  tileColumns: number[],
): TileRowJob {
  const { tileWidth, tilesAcross } = layout;
  const last = tileColumns[tileColumns.length - 1] as number;
  // Only the image's last tile across holds padding on its right, and it comes last here too.
  const lastWidth = Math.min(tileWidth, layout.width - last * tileWidth);
  const at = tileRow * tilesAcross;
  return {
    ...tileRowJob(layout, tileRow, 0, 0),
    width: (tileColumns.length - 1) * tileWidth + lastWidth,
    offsets: Float64Array.from(tileColumns, (c) => layout.offsets[at + c] as number),
    byteCounts: Float64Array.from(tileColumns, (c) => layout.byteCounts[at + c] as number),
    tileColumns,
  };
}

const CHANNELS = 3;

/**
 * Stored runs of tiles farther apart than this are read one by one: reading the gap between
 * them would cost more than the calls saved. Tiles of a row are usually written one after the
 * other.
 */
const MOST_GAP_BYTES = 1024 * 1024;
/** A run read at once stops growing here, so that reads stay small beside the decoded block. */
const MOST_RUN_BYTES = 8 * 1024 * 1024;
/**
 * Tiles are placed side by side into a window this big at most, then copied out (see
 * TilePlacer): a block's tiles at once, a whole row of tiles in a few goes.
 */
const WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * The tiles' pixels, `rows` rows of `width` RGB pixels, written over the start of `into` when
 * it is big enough (every byte of that view is written). With the job's lookup, each pixel's
 * palette index instead, a byte each, unless a colour is not in it (see mappedBy). Throws an
 * Error naming the tile when it cannot be read or does not inflate to its size.
 */
export function decodeTileRow(job: TileRowJob, into?: Uint8Array): Uint8Array {
  const { tileWidth, tileHeight, width, rows, offsets, byteCounts, lookup } = job;
  const tileBytes = tileWidth * tileHeight * CHANNELS;
  const tileRowBytes = tileWidth * CHANNELS;
  // What a pixel comes out as: RGB, or an index.
  const pixelBytes = lookup ? 1 : CHANNELS;
  const rowBytes = width * pixelBytes;
  const size = rows * rowBytes;
  const columnBytes = tileWidth * pixelBytes;
  const groupColumns = Math.max(1, Math.floor(WINDOW_BYTES / (tileRowBytes * rows)));
  const windowBytes = Math.min(groupColumns * columnBytes, rowBytes) * rows;
  // The thread's placer inflates the tiles, and places them where they are not mapped.
  const pixelPlacer = (threadPlacer ??= new TilePlacer());
  let placer: TilePlacer | TileMapper = pixelPlacer;
  if (lookup) {
    const mapper = TileMapper.for(lookup);
    // A thread beyond those the lookup has room for decodes the pixels.
    if (!mapper?.reserve(tileBytes, windowBytes))
      return decodeTileRow({ ...job, lookup: undefined }, into);
    placer = mapper;
  }
  pixelPlacer.reserve(tileBytes, lookup ? 0 : windowBytes);
  const out = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size);
  const fd = openSync(job.path, 'r');
  try {
    let stored: Buffer | undefined;
    let storedAt = 0;
    for (let group = 0; group < offsets.length; group += groupColumns) {
      const end = Math.min(offsets.length, group + groupColumns);
      const groupBytes = Math.min(rowBytes, end * columnBytes) - group * columnBytes;
      for (let column = group; column < end; column++) {
        const at = offsets[column] as number;
        const n = byteCounts[column] as number;
        if (!stored || at < storedAt || at + n > storedAt + stored.length) {
          const run = storedRun(offsets, byteCounts, column);
          stored = readExactly(fd, run.from, run.to - run.from, () => where(job, column));
          storedAt = run.from;
        }
        const tile = pixelsOf(
          job,
          column,
          stored.subarray(at - storedAt, at - storedAt + n),
          pixelPlacer,
        );
        if (tile.length < tileBytes)
          throw new Error(
            `${where(job, column)} holds ${tile.length} bytes of pixels, not ${tileBytes}`,
          );
        // What the tile gives a row of the window: its pixels' bytes, or their indices.
        const keep = Math.min(columnBytes, rowBytes - column * columnBytes);
        const x = (column - group) * columnBytes;
        if (placer instanceof TilePlacer)
          placer.place(tile, tileRowBytes, rows, keep, x, groupBytes, job.differenced);
        else if (!placer.map(tile, tileRowBytes, rows, keep, x, groupBytes, job.differenced))
          // A colour pass 1 did not count: the pixels, for the caller to match.
          return decodeTileRow({ ...job, lookup: undefined }, into);
      }
      placer.copyOut(out, group * columnBytes, rowBytes, rows, groupBytes);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * Room a thread needs beside a lookup to map `layout`'s tiles (see TileMapper): as decodeTileRow
 * asks of it.
 */
export function mappingRoom(layout: TiledLayout): number {
  const tilePixels = layout.tileWidth * layout.tileHeight;
  // A window holds as many tiles as make WINDOW_BYTES of pixels, and one tile at least.
  const windowBytes = Math.max(Math.ceil(WINDOW_BYTES / CHANNELS), tilePixels);
  return TileMapper.roomFor(tilePixels * CHANNELS, windowBytes);
}

/**
 * Whether `decoded`, what decodeTileRow gave for `job`, is the pixels' palette indices rather than
 * the pixels: where the job has a lookup that knows every colour in its tiles.
 */
export function mappedBy(job: TileRowJob, decoded: Uint8Array): boolean {
  return job.lookup !== undefined && decoded.length === job.rows * job.width;
}

/** This thread's inflater and placer of tiles, made on first use. */
let threadPlacer: TilePlacer | undefined;

/** A stored tile's pixels, inflated where it is compressed. */
function pixelsOf(
  job: TileRowJob,
  column: number,
  bytes: Buffer,
  inflater: TilePlacer,
): Uint8Array {
  if (job.compression === NONE)
    // A plain view: Buffer's subarray makes a Buffer, twice the cost of a Uint8Array's.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    // Exactly the tile's size: a stream that would give more is damage, and sizes nothing.
    return inflater.inflate(bytes);
  } catch (err) {
    throw new Error(`${where(job, column)} does not inflate (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** The byte range of tiles i.. stored in order, with small gaps at most (see MOST_GAP_BYTES). */
function storedRun(
  offsets: Float64Array,
  byteCounts: Float64Array,
  i: number,
): { from: number; to: number } {
  const from = offsets[i] as number;
  let to = from + (byteCounts[i] as number);
  for (let j = i + 1; j < offsets.length; j++) {
    const at = offsets[j] as number;
    if (at < to || at > to + MOST_GAP_BYTES || to - from > MOST_RUN_BYTES) break;
    to = at + (byteCounts[j] as number);
  }
  return { from, to };
}

/** A tile, as a person would look for it: by its top-left pixel. */
function where(job: TileRowJob, column: number): string {
  const x = job.tileColumns
    ? (job.tileColumns[column] as number) * job.tileWidth
    : job.left + column * job.tileWidth;
  return `the tile at x ${x}, y ${job.top}`;
}

/**
 * Where this thread reads stored tiles, kept from row to row: a fresh buffer for each run of a few
 * MiB is a fresh mapping whose pages are all first-touched again, and those under malloc's mapping
 * threshold left holes in its arenas (the 2 Gpx run's peak: 351 MiB with them, 310 MiB without).
 * It grows by doubling: grown to each longer run in turn, it left as many holes (a sample's runs
 * span whole rows of tiles, of every length: 46 MiB more over a 2 Gpx image).
 */
let readBuffer = Buffer.alloc(0);

/** `length` bytes from `position`, in this thread's read buffer (valid until the next read). */
function readExactly(fd: number, position: number, length: number, tile: () => string): Buffer {
  if (readBuffer.length < length)
    readBuffer = Buffer.allocUnsafe(Math.max(length, 2 * readBuffer.length));
  const buf = readBuffer.subarray(0, length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new Error(`the file ends inside ${tile()}`);
    got += n;
  }
  return buf;
}
