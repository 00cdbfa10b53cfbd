import { BLOCK_BYTES, lookupRoom, readTileBlocks, type RegionShape } from '../io/readTileBlocks.js';
import type { TiledLayout } from '../io/tiff/tiledLayout.js';
import type { IndexWriter } from '../types.js';
import type { BandMapper } from './BandMapper.js';

/** Regions taller than this (tiles of very different sizes in and out) are not worth it. */
const MOST_REGION_ROWS = 2048;

/** A tiled input and the regions it is mapped in. */
export interface Regions {
  layout: TiledLayout;
  shape: RegionShape;
}

/**
 * The regions pass 2 can map a tiled input in for a writer of `tile`-pixel tiles: whole tiles of
 * both, so that no input tile is decoded twice and every output tile is written whole. Undefined
 * when their sizes have no small common multiple.
 */
export function regionsFor(layout: TiledLayout, tile: number): Regions | undefined {
  const rows = lcm(tile, layout.tileHeight);
  const step = lcm(tile, layout.tileWidth);
  if (rows > MOST_REGION_ROWS || step > MOST_REGION_ROWS) return undefined;
  // As wide as a block of pass 1 (one row of input tiles), whatever the image's width.
  const width = step * Math.max(1, Math.floor(BLOCK_BYTES / (layout.tileHeight * step * 3)));
  return {
    layout,
    shape: { tileRows: rows / layout.tileHeight, columns: width / layout.tileWidth },
  };
}

export interface RegionsApplied {
  sse: number;
  nodataPixels: number;
}

/**
 * Pass 2 region by region: each region's input tiles are decoded, mapped and written as whole
 * output tiles, so that neither the input's rows of tiles nor the output's rows are held across
 * the image (at 120591 px wide they were 139 MB and 62 MB). Only for mapping pixel by pixel:
 * dithering carries error along whole rows.
 */
export async function applyByRegions(
  { layout, shape }: Regions,
  mapper: BandMapper,
  writer: Required<Pick<IndexWriter, 'writeRegion'>>,
  options: { signal?: AbortSignal; onRows?: (rows: number) => void },
): Promise<RegionsApplied> {
  const regionRows = shape.tileRows * layout.tileHeight;
  let sse = 0;
  let nodataPixels = 0;
  let indices: Uint8Array | Uint16Array | undefined;
  for await (const { band, left, rowsDone, indices: decoded } of readTileBlocks(layout, {
    signal: options.signal,
    region: shape,
    // Learned answers are the decode threads' to use: a block comes as its indices, its pixels'
    // error already counted by `learn`.
    lookup: mapper.learnedLookup(lookupRoom(layout)),
  })) {
    const mapped = decoded ? { indices: decoded, sse: 0, nodataPixels: 0 } : mapper.map(band);
    sse += mapped.sse;
    nodataPixels += mapped.nodataPixels;
    const top = Math.floor(band.y / regionRows) * regionRows;
    const bottom = Math.min(top + regionRows, layout.height);
    const pixels = band.width * band.height;
    const size = band.width * (bottom - top);
    if (!indices || indices.constructor !== mapped.indices.constructor || indices.length < size)
      indices =
        mapped.indices instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
    indices.set(mapped.indices.subarray(0, pixels), (band.y - top) * band.width);
    if (band.y + band.height === bottom)
      await writer.writeRegion({ left, y: top, width: band.width, height: bottom - top, indices });
    if (rowsDone > 0) options.onRows?.(rowsDone);
  }
  return { sse, nodataPixels };
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y > 0) [x, y] = [y, x % y];
  return (a / x) * b;
}
