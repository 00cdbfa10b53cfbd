import { GigaquantError, throwIfAborted } from '../errors.js';
import type { RowBand } from '../types.js';
import { tileRowJob, type TileRowJob } from './tiff/decodeTileRow.js';
import { THREADED_PIXELS, tileDecodeThreads } from './tiff/tileDecodeThreads.js';
import type { TiledLayout } from './tiff/tiledLayout.js';
import type { ImageSource } from './openImage.js';
import { readBands, type ReadBandsOptions } from './readBands.js';

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

/**
 * A block of decoded tiles: its rows at its width (`band`), from image column `left`.
 * `rowsDone` counts the image rows it finishes: its rows when it is the last block across.
 */
export interface TileBlock {
  band: RowBand;
  left: number;
  rowsDone: number;
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
  const blocks = blocksOf(layout, from, to, shape);
  const blockBytes = shape.columns * layout.tileWidth * layout.tileHeight * CHANNELS;
  // Decoding ahead on the calling thread (small images, batch workers) would only hold memory.
  const threads = threaded ? tileDecodeThreads.count : 1;
  const ahead = threads > 1 ? Math.max(threads + 1, Math.floor(AHEAD_BYTES / blockBytes)) : 1;
  const spare: Uint8Array[] = [];
  const pending: { job: TileRowJob; pixels: Promise<Uint8Array> }[] = [];
  let next = 0;
  const start = (): void => {
    const { tileRow, first, columns } = blocks[next++] as Block;
    const job = tileRowJob(layout, tileRow, first, columns);
    const fits = spare.findIndex((p) => p.length === job.rows * job.width * CHANNELS);
    const into = fits >= 0 ? spare.splice(fits, 1)[0] : undefined;
    const pixels = tileDecodeThreads.decode(job, into, threaded);
    // Seen here too: a block decoded ahead and never read must leave no unheard rejection.
    pixels.catch(() => {});
    pending.push({ job, pixels });
  };
  let previous: Uint8Array | undefined;
  try {
    for (let i = 0; i < blocks.length; i++) {
      throwIfAborted(options.signal);
      if (previous) spare.push(previous);
      while (next < blocks.length && pending.length < ahead) start();
      const { job, pixels: decoding } = pending.shift() as (typeof pending)[number];
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
      const rowBytes = job.width * CHANNELS;
      const data = pixels.subarray((top - job.top) * rowBytes, (end - job.top) * rowBytes);
      const lastOfRow = job.left + job.width === layout.width;
      yield {
        band: { y: top, height: end - top, width: job.width, channels: CHANNELS, data },
        left: job.left,
        rowsDone: lastOfRow ? end - top : 0,
      };
    }
  } finally {
    // A consumer that stops early must not leave a read of the file running.
    await Promise.all(pending.map((p) => p.pixels.catch(() => {})));
  }
}

/**
 * Every pixel of the image (or of `rows`) once, in row bands, or with `anyOrder` (for a caller
 * whose results do not depend on the order, like counting colours) in blocks of tiles where the
 * image is a tiled TIFF decoded here: then no row of tiles across the image is held.
 */
export async function* readPixels(
  source: ImageSource,
  options: ReadBandsOptions & { anyOrder: boolean },
): AsyncGenerator<TileBlock> {
  const { signal, rows } = options;
  if (options.anyOrder && source.tiles) {
    yield* readTileBlocks(source.tiles, { signal, rows });
    return;
  }
  for await (const band of readBands(source, { ...options, reuseBuffers: true }))
    yield { band, left: 0, rowsDone: band.height };
}

interface Block {
  tileRow: number;
  first: number;
  columns: number;
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
        blocks.push({ tileRow: t, first, columns: Math.min(region.columns, tilesAcross - first) });
  return blocks;
}
