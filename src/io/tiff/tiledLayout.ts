import { TagType } from './ifd.js';
import { readTiffTags } from './readTags.js';

/**
 * Where the tiles of a tiled TIFF page are and how they are coded, for the kind gigaquant decodes
 * itself (see TileRowReader): 8-bit RGB, samples interleaved, uncompressed or deflate, with or
 * without horizontal differencing. Everything else goes to libvips.
 */
export interface TiledLayout {
  path: string;
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tilesAcross: number;
  compression: typeof NONE | typeof DEFLATE;
  /** TIFF's horizontal differencing: each byte stored as its difference from the pixel before. */
  differenced: boolean;
  /** Byte offset and length of tile i (row-major), as the file states them. */
  offsets: Float64Array;
  byteCounts: Float64Array;
}

export const NONE = 1;
export const DEFLATE = 8;
const OLD_DEFLATE = 32946;

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  fillOrder: 266,
  orientation: 274,
  samplesPerPixel: 277,
  planarConfig: 284,
  predictor: 317,
  tileWidth: 322,
  tileHeight: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  extraSamples: 338,
  sampleFormat: 339,
  jpegTables: 347,
  iccProfile: 34675,
} as const;
const WANTED = new Set<number>(Object.values(TAG));
/** Tags whose presence alone leaves a file to libvips. */
const PRESENCE_ONLY = new Set<number>([TAG.extraSamples, TAG.jpegTables, TAG.iccProfile]);
const INTEGER_TYPES = new Set<number>([TagType.SHORT, TagType.LONG, TagType.LONG8]);

/**
 * Larger tiles (1024 x 1024 RGB is 3 MiB) are left to libvips: a tile is inflated whole, and a
 * stated size must not size an allocation of gigabytes.
 */
const MOST_TILE_BYTES = 16 * 1024 * 1024;
const RGB = 2;
const CHANNELS = 3;

/**
 * The layout of `page` of the TIFF at `path` when gigaquant decodes it itself, else undefined.
 * Only files whose every stated tile lies inside the file qualify: damage of any other kind is
 * libvips' to find and name. A tile's stored bytes may not pass what its pixels could take with
 * deflate's worst case, so no stated length sizes a large allocation.
 */
export async function readTiledLayout(
  path: string,
  page: number,
  fileBytes: number,
): Promise<TiledLayout | undefined> {
  let doubtful = false;
  const entries = await readTiffTags(path, WANTED, page, () => (doubtful = true)).catch(
    () => undefined,
  );
  if (!entries) return undefined;
  const values = new Map(entries.map((e) => [e.tag, e.values]));
  // A tag of a type we skip, named twice, or a number stored other than as an integer is one
  // libtiff may read otherwise than we would.
  if (
    doubtful ||
    values.size !== entries.length ||
    entries.some((e) => !PRESENCE_ONLY.has(e.tag) && !INTEGER_TYPES.has(e.type))
  )
    return undefined;
  const numbers = (tag: number): readonly number[] | undefined => {
    const v = values.get(tag);
    return Array.isArray(v) ? v : undefined;
  };
  const one = (tag: number, absent?: number): number | undefined => {
    const v = numbers(tag);
    if (v === undefined) return values.has(tag) ? undefined : absent;
    return v.length >= 1 && v.every((x) => x === v[0]) ? v[0] : undefined;
  };
  const width = one(TAG.width);
  const height = one(TAG.height);
  const tileWidth = one(TAG.tileWidth);
  const tileHeight = one(TAG.tileHeight);
  const compression = one(TAG.compression, NONE);
  const predictor = one(TAG.predictor, 1);
  const offsets = numbers(TAG.tileOffsets);
  const byteCounts = numbers(TAG.tileByteCounts);
  if (
    !width ||
    !height ||
    !tileWidth ||
    !tileHeight ||
    tileWidth % 16 !== 0 ||
    tileHeight % 16 !== 0 ||
    one(TAG.bitsPerSample) !== 8 ||
    numbers(TAG.bitsPerSample)?.length !== CHANNELS ||
    one(TAG.samplesPerPixel) !== CHANNELS ||
    one(TAG.photometric) !== RGB ||
    one(TAG.planarConfig, 1) !== 1 ||
    one(TAG.sampleFormat, 1) !== 1 ||
    one(TAG.fillOrder, 1) !== 1 ||
    one(TAG.orientation, 1) !== 1 ||
    values.has(TAG.extraSamples) ||
    values.has(TAG.iccProfile) ||
    values.has(TAG.jpegTables) ||
    (compression !== NONE && compression !== DEFLATE && compression !== OLD_DEFLATE) ||
    (predictor !== 1 && predictor !== 2) ||
    // libtiff undoes differencing in its codecs only: uncompressed tiles are given as stored.
    (predictor === 2 && compression === NONE) ||
    !offsets ||
    !byteCounts
  )
    return undefined;
  const tilesAcross = Math.ceil(width / tileWidth);
  const tiles = tilesAcross * Math.ceil(height / tileHeight);
  if (offsets.length !== tiles || byteCounts.length !== tiles) return undefined;
  const tileBytes = tileWidth * tileHeight * CHANNELS;
  if (tileBytes > MOST_TILE_BYTES) return undefined;
  // zlib's bound for a stream of tileBytes: stored blocks, 5 bytes per 16 KiB, and its header.
  const mostStored = tileBytes + (tileBytes >> 12) + 64;
  for (let i = 0; i < tiles; i++) {
    const at = offsets[i] as number;
    const n = byteCounts[i] as number;
    const sized = compression === NONE ? n === tileBytes : n >= 1 && n <= mostStored;
    if (!(sized && at >= 8 && at + n <= fileBytes)) return undefined;
  }
  return {
    path,
    width,
    height,
    tileWidth,
    tileHeight,
    tilesAcross,
    compression: compression === NONE ? NONE : DEFLATE,
    differenced: predictor === 2,
    offsets: Float64Array.from(offsets),
    byteCounts: Float64Array.from(byteCounts),
  };
}
