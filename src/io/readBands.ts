import { GigaquantError, throwIfAborted } from '../errors.js';
import type { RowBand } from '../types.js';
import type { ImageSource } from './openImage.js';
import { describe } from './probeImage.js';
import type { Sharp } from 'sharp';
import { openPixels } from './sharpInput.js';
import { TileRowReader } from './TileRowReader.js';

export interface ReadBandsOptions {
  bandHeight: number;
  signal?: AbortSignal;
  /** Only rows `from` (default 0) up to but not including `to` (default the height). */
  rows?: { from: number; to: number };
  /**
   * The loop is done with a band's bytes when it asks for the next band: they may then be
   * written over (a tiled TIFF's decoded tile rows are reused). Off by default: bands kept stay
   * as they were.
   */
  reuseBuffers?: boolean;
}

/**
 * The image as a stream of row bands of at most `bandHeight` rows, 8-bit, in gigaquant's channel
 * layout (see ImageInfo.channels). Each band is its own small libvips pipeline over a region of a
 * random-access file, so no more than a band is ever decoded at once; or, for a tiled TIFF that
 * gigaquant decodes itself (ImageSource.tiles), a piece of a decoded row of tiles (TileRowReader).
 * The next band is decoded (on libvips' or the decode threads) while the caller works on the
 * current one.
 */
export async function* readBands(
  source: ImageSource,
  options: ReadBandsOptions,
): AsyncGenerator<RowBand> {
  const { from, to: height } = options.rows ?? { from: 0, to: source.info.height };
  const bandHeight = Math.max(1, Math.floor(options.bandHeight));
  const tiles =
    source.tiles && TileRowReader.suits(source.tiles, bandHeight)
      ? new TileRowReader(source.tiles, options.reuseBuffers === true)
      : undefined;
  const readBand = (y: number, rows: number): Promise<RowBand> => {
    const band = tiles
      ? tiles.read(y, rows)
      : readRegion(source, { left: 0, top: y, width: source.info.width, height: rows });
    // Read ahead while the caller awaits something else: a failure must wait for the loop to
    // reach it, not end the process as an unheard rejection (the loop still throws it).
    band.catch(() => {});
    return band;
  };
  let pending: Promise<RowBand> | undefined =
    from < height ? readBand(from, Math.min(bandHeight, height - from)) : undefined;
  try {
    for (let y = from; y < height; y += bandHeight) {
      throwIfAborted(options.signal);
      const band: RowBand = await (pending as Promise<RowBand>);
      const nextY = y + bandHeight;
      pending = nextY < height ? readBand(nextY, Math.min(bandHeight, height - nextY)) : undefined;
      yield band;
    }
  } finally {
    // A consumer that stops early must not leave a read running, nor a rejection unobserved: the
    // caller may close the source next (and remove a spool that libvips is still reading).
    await pending?.catch(() => {});
    await tiles?.close();
  }
}

/** A rectangle of the image, in pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Bytes of decoded tiles (4 bytes a pixel, the widest case) one libvips pipeline may hold: libvips
 * decodes every tile a region touches, whole, so a 32-row band of a 100000-px-wide TIFF with
 * 256-row tiles held 77 MB of tiles per read, twice with the read ahead. A region whose tiles
 * pass this, and hold more than twice its rows, is read in pieces of whole tiles, one after the
 * other (100000 x 1000: 268 -> 171 MB peak for the reads alone, at the same speed). A region
 * that covers most of its tiles' rows is read whole: its tiles cost little more than the band,
 * and pieces made a 2 Gpx run with 128-row bands 1.38x slower for 26 MiB less.
 */
export const PIECE_BYTES = 16 * 1024 * 1024;

/**
 * Files of more tiles than this are read whole all the same: every pipeline opens the file, and
 * libtiff then reads the whole tile offset and byte-count arrays (the issue measured 52 ms an
 * open at 8 Gpx, 500 K tiles), so pieces would multiply a cost that grows with the file.
 */
export const PIECE_MAX_TILES = 16384;

/**
 * One rectangle of the image, as readBands gives a band (`y` is its top row): one small libvips
 * pipeline over a region of the random-access file, so reading a crop of a gigapixel image costs
 * the tiles under it. On a tiled TIFF too wide for one pipeline (PIECE_BYTES), one per piece.
 */
export async function readRegion(source: ImageSource, rect: Rect): Promise<RowBand> {
  const { tileWidth, chunkRows, width, height } = source.info;
  if (
    tileWidth === undefined ||
    chunkRows === undefined ||
    chunkRows <= 2 * rect.height ||
    Math.ceil(width / tileWidth) * Math.ceil(height / chunkRows) > PIECE_MAX_TILES
  )
    return readPipeline(source, rect);
  const tilesPerPiece = Math.max(1, Math.floor(PIECE_BYTES / (chunkRows * 4 * tileWidth)));
  const pieceWidth = tilesPerPiece * tileWidth;
  const end = rect.left + rect.width;
  // Pieces cut where tiles start, so that no tile is decoded by two pieces.
  const firstCut = (Math.floor(rect.left / pieceWidth) + 1) * pieceWidth;
  if (firstCut >= end) return readPipeline(source, rect);
  const { channels } = source.info;
  const data = new Uint8Array(rect.width * rect.height * channels);
  for (let left = rect.left; left < end;) {
    const right = Math.min(end, (Math.floor(left / pieceWidth) + 1) * pieceWidth);
    const piece = await readPipeline(source, { ...rect, left, width: right - left });
    const rowBytes = piece.width * channels;
    for (let r = 0; r < rect.height; r++)
      data.set(
        piece.data.subarray(r * rowBytes, (r + 1) * rowBytes),
        (r * rect.width + left - rect.left) * channels,
      );
    left = right;
  }
  return { y: rect.top, height: rect.height, width: rect.width, channels, data };
}

async function readPipeline(source: ImageSource, rect: Rect): Promise<RowBand> {
  const { isGrey, channels, path } = source.info;
  const { top: y, height: rows, width } = rect;
  const where =
    rect.left === 0 && width === source.info.width
      ? `rows ${y}-${y + rows - 1}`
      : `the region ${width}x${rows} at (${rect.left}, ${y})`;
  let bytes: Uint8Array;
  let got: number;
  try {
    const region = openPixels(source.readPath, source.readPage).extract(rect);
    const out = FLOAT_DEPTHS.has(source.info.sourceDepth)
      ? await floatSamplesAsBytes(region, source.info.space)
      : await region
          .toColourspace('srgb')
          .keepIccProfile()
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true });
    bytes = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
    got = out.info.channels;
  } catch (err) {
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: cannot read ${where} (${describe(err)})`,
      {
        file: path,
        cause: err,
      },
    );
  }
  const pixels = width * rows;
  if (!isGrey) {
    if (got !== channels) {
      throw new GigaquantError(
        'E_INPUT_CORRUPT',
        `${path}: expected ${channels} channels, decoder gave ${got}`,
        {
          file: path,
        },
      );
    }
    return { y, height: rows, width, channels, data: bytes };
  }
  // libvips hands grey images over as sRGB (r = g = b); keep one grey channel (and alpha).
  const grey = new Uint8Array(pixels * channels);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += got) {
    grey[o++] = bytes[i] as number;
    if (channels === 2) grey[o++] = bytes[i + got - 1] as number;
  }
  return { y, height: rows, width, channels, data: grey };
}

const FLOAT_DEPTHS = new Set(['float', 'double']);

/**
 * Floating-point samples as libvips itself shows them (`vips copy in.tif out.png`): the values
 * as they are, truncated and clipped to 0-255, in the image's own colour space. sharp would
 * otherwise take float RGB for linear scRGB in 0-1 and convert it, turning a 0-255 image white.
 */
async function floatSamplesAsBytes(
  region: Sharp,
  space: string,
): Promise<{ data: Uint8Array; info: { channels: number } }> {
  const { data, info } = await region
    .pipelineColourspace(space as 'srgb')
    .toColourspace(space as 'srgb')
    .raw({ depth: 'float' })
    .toBuffer({ resolveWithObject: true });
  const values = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    out[i] = v > 0 ? Math.min(255, Math.trunc(v)) : 0;
  }
  return { data: out, info };
}
