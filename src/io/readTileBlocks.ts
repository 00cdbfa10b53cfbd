import { GigaquantError, throwIfAborted } from '../errors.js';
import type { RowBand } from '../types.js';
import { counted, forUnits, type FitSample } from '../model/fitSample.js';
import {
  mappedBy,
  mappingRoom,
  scatteredTilesJob,
  tileRowJob,
  type TileRowJob,
} from './tiff/decodeTileRow.js';
import type { ColourLookup } from '../model/colourLookup.js';
import { THREADED_PIXELS, tileDecodeThreads } from './tiff/tileDecodeThreads.js';
import type { TiledLayout } from './tiff/tiledLayout.js';

const CHANNELS = 3;
/**
 * Decoded bytes a block aims at. A whole row of tiles was 23 MB at 60000 px wide (46 MB at
 * 120000), three of them held at once, and the inflated tiles it left behind filled malloc's
 * arenas by as much again: memory that grew with the image's width. Blocks of 1 MB made a
 * 2 Gpx pass 2 1.13x slower: each job costs a message either way (about 0.5 ms of the main
 * thread's time).
 */
export const BLOCK_BYTES = 4 * 1024 * 1024;
/**
 * Decoded bytes asked for ahead of the caller: enough to keep both threads busy while the main
 * thread waits on something else (the writer's deflate), as a whole row of tiles ahead did.
 */
const AHEAD_BYTES = 16 * 1024 * 1024;

const NO_PIXELS = new Uint8Array(0);

/**
 * The room a lookup needs beside it for the threads that may map `layout`'s tiles: the decode
 * threads, and the calling thread, which decodes where one of them fails.
 */
export function lookupRoom(layout: TiledLayout): { threads: number; bytesEach: number } {
  return { threads: tileDecodeThreads.count + 1, bytesEach: mappingRoom(layout) };
}

/**
 * A block of decoded tiles: its rows at its width (`band`), from image column `left` (a sample's
 * tiles are put side by side wherever they are in the image: `left` is 0).
 * `rowsDone` counts the image rows it finishes: its rows when it is the last block across, and
 * with a sample, the rows above it whose blocks were left out.
 */
export interface TileBlock {
  band: RowBand;
  left: number;
  rowsDone: number;
  /**
   * The block's palette indices, where a lookup mapped its pixels as they were decoded (see
   * ReadTileBlocksOptions.lookup): `band.data` is then empty.
   */
  indices?: Uint8Array;
}

/** Regions the blocks come in: `tileRows` rows of tiles by `columns` tiles. */
export interface RegionShape {
  tileRows: number;
  columns: number;
}

export interface ReadTileBlocksOptions {
  signal?: AbortSignal;
  /** Only rows `from` (default 0) up to but not including `to` (default the height). */
  rows?: { from: number; to: number };
  /** Default: one row of tiles, by as many tiles as make BLOCK_BYTES. */
  region?: RegionShape;
  /** Only the tiles this picks (numbered over the whole image, row by row), side by side. */
  sample?: FitSample;
  /**
   * Pass 2's learned answers: each block then comes as its pixels' indices, unless it holds a
   * colour the lookup does not know.
   */
  lookup?: ColourLookup;
}

/**
 * The image's pixels as blocks of whole tiles, one row of tiles by a few tiles. The blocks come
 * region by region, left to right, then down, and top to bottom within a region: for passes that
 * need every pixel once in no particular order (counting colours), or that work on the image in
 * regions (pass 2 into a tiled TIFF). What the caller got is written over once it asks for the
 * block after the next; each block decodes on the decode threads while the ones before are used.
 */
export async function* readTileBlocks(
  layout: TiledLayout,
  options: ReadTileBlocksOptions = {},
): AsyncGenerator<TileBlock> {
  const { from, to } = options.rows ?? { from: 0, to: layout.height };
  const threaded = layout.width * layout.height >= THREADED_PIXELS;
  const shape = options.region ?? blockRegion(layout);
  const blocks = options.sample
    ? sampledBlocksOf(layout, from, to, shape.columns, options.sample)
    : blocksOf(layout, from, to, shape);
  const { lookup } = options;
  // A block decoded as indices is a third of the bytes (one that falls back makes its own).
  const pixelBytes = lookup ? 1 : CHANNELS;
  const blockBytes = shape.columns * layout.tileWidth * layout.tileHeight * pixelBytes;
  // Decoding ahead on the calling thread (small images, batch workers) would only hold memory.
  const threads = threaded ? tileDecodeThreads.count : 1;
  const ahead = threads > 1 ? Math.max(threads + 1, Math.floor(AHEAD_BYTES / blockBytes)) : 1;
  const spare: Uint8Array[] = [];
  const pending: { job: TileRowJob; last: boolean; pixels: Promise<Uint8Array> }[] = [];
  let next = 0;
  const start = (): void => {
    const { tileRow, first, columns, tiles, last } = blocks[next++] as Block;
    const job: TileRowJob = {
      ...(tiles
        ? scatteredTilesJob(layout, tileRow, tiles)
        : tileRowJob(layout, tileRow, first, columns)),
      lookup,
    };
    // Every buffer is a whole block's, so that a spare fits every block: a sample's blocks
    // differ in size row by row, and buffers of their sizes would be made and dropped all
    // through the pass.
    const size = job.rows * job.width * pixelBytes;
    const into = takeSpare(spare, size) ?? new Uint8Array(Math.max(size, blockBytes));
    const pixels = tileDecodeThreads.decode(job, into, threaded);
    // Seen here too: a block decoded ahead and never read must leave no unheard rejection.
    pixels.catch(() => {});
    pending.push({ job, last, pixels });
  };
  let previous: Uint8Array | undefined;
  let reported = from;
  try {
    for (let i = 0; i < blocks.length; i++) {
      throwIfAborted(options.signal);
      // A block is decoded into the start of its buffer: the spare is the whole buffer.
      if (previous) spare.push(new Uint8Array(previous.buffer));
      if (spare.length > ahead) spare.splice(smallest(spare), 1);
      while (next < blocks.length && pending.length < ahead) start();
      const { job, last, pixels: decoding } = pending.shift() as (typeof pending)[number];
      let pixels: Uint8Array;
      try {
        pixels = await decoding;
      } catch (err) {
        throw new GigaquantError(
          'E_INPUT_CORRUPT',
          `${layout.path}: cannot read rows ${job.top}-${job.top + job.rows - 1} (${(err as Error).message})`,
          { file: layout.path, cause: err },
        );
      }
      previous = pixels;
      const top = Math.max(from, job.top);
      const end = Math.min(to, job.top + job.rows);
      const mapped = mappedBy(job, pixels);
      const rowBytes = job.width * (mapped ? 1 : CHANNELS);
      const data = pixels.subarray((top - job.top) * rowBytes, (end - job.top) * rowBytes);
      const rowsDone = Math.max(0, (last ? end : top) - reported);
      reported += rowsDone;
      const band = { y: top, height: end - top, width: job.width, channels: CHANNELS };
      yield mapped
        ? { band: { ...band, data: NO_PIXELS }, left: job.left, rowsDone, indices: data }
        : { band: { ...band, data }, left: job.left, rowsDone };
    }
  } finally {
    // A consumer that stops early must not leave a read of the file running.
    await Promise.all(pending.map((p) => p.pixels.catch(() => {})));
  }
}

/** The smallest spare of at least `size` bytes, taken out of `spare`. */
function takeSpare(spare: Uint8Array[], size: number): Uint8Array | undefined {
  let best = -1;
  spare.forEach((p, i) => {
    if (p.length >= size && (best < 0 || p.length < (spare[best] as Uint8Array).length)) best = i;
  });
  return best >= 0 ? spare.splice(best, 1)[0] : undefined;
}

function smallest(spare: Uint8Array[]): number {
  let at = 0;
  spare.forEach((p, i) => {
    if (p.length < (spare[at] as Uint8Array).length) at = i;
  });
  return at;
}

interface Block {
  tileRow: number;
  first: number;
  columns: number;
  /** A sample's tiles of the tile row (their columns), in place of `first` and `columns`. */
  tiles?: number[];
  /** Whether it ends its rows: the last block across. */
  last: boolean;
}

/** One row of tiles by as many tiles as make about BLOCK_BYTES, cut evenly across. */
export function blockRegion(layout: TiledLayout): RegionShape {
  const { tileWidth, tileHeight, tilesAcross } = layout;
  const tilesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / (tileWidth * tileHeight * CHANNELS)));
  return { tileRows: 1, columns: Math.ceil(tilesAcross / Math.ceil(tilesAcross / tilesPerBlock)) };
}

/** The blocks of the tile rows that hold rows [from, to), in the order readTileBlocks gives them. */
function blocksOf(layout: TiledLayout, from: number, to: number, region: RegionShape): Block[] {
  const { tileHeight, tilesAcross } = layout;
  const blocks: Block[] = [];
  if (from >= to) return blocks;
  const firstRow = Math.floor(from / tileHeight);
  const lastRow = Math.floor((to - 1) / tileHeight);
  for (let top = firstRow; top <= lastRow; top += region.tileRows)
    for (let first = 0; first < tilesAcross; first += region.columns)
      for (let t = top; t <= Math.min(lastRow, top + region.tileRows - 1); t++)
        blocks.push({
          tileRow: t,
          first,
          columns: Math.min(region.columns, tilesAcross - first),
          last: first + region.columns >= tilesAcross,
        });
  return blocks;
}

/**
 * A sample's blocks of rows [from, to): the tiles it picks (tiles numbered over the whole image,
 * row by row), at most `columns` a block. Tiles, not blocks, are the units: a photo's colours
 * change across the image, and a few hundred blocks of 10000 x 128 px picked from a 2 Gpx
 * image fitted a palette 0.2 dB worse than every pixel's.
 */
function sampledBlocksOf(
  layout: TiledLayout,
  from: number,
  to: number,
  columns: number,
  wanted: FitSample,
): Block[] {
  const { tileHeight, tilesAcross } = layout;
  const sample = forUnits(wanted, tilesAcross * Math.ceil(layout.height / tileHeight));
  const blocks: Block[] = [];
  for (let t = Math.floor(from / tileHeight); t * tileHeight < to; t++) {
    const picked: number[] = [];
    for (let c = 0; c < tilesAcross; c++) if (counted(sample, t * tilesAcross + c)) picked.push(c);
    for (let i = 0; i < picked.length; i += columns) {
      const tiles = picked.slice(i, i + columns);
      blocks.push({ tileRow: t, first: 0, columns: 0, tiles, last: i + columns >= picked.length });
    }
  }
  return blocks;
}
