import { stat } from 'node:fs/promises';
import { GigaquantError } from '../errors.js';
import { checkDataCoversCanvas } from './canvasCoverage.js';
import { readTiffTags } from './tiff/readTags.js';
import { openWithSharp } from './sharpInput.js';

export interface ImageInfo {
  path: string;
  /** As sharp names it: png, jpeg, tiff, vips, webp, gif, ... */
  format: string;
  width: number;
  height: number;
  /** Channels as gigaquant reads them: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (always 8-bit). */
  channels: 1 | 2 | 3 | 4;
  hasAlpha: boolean;
  isGrey: boolean;
  /** Bit depth of the stored samples (16-bit inputs are read reduced to 8). */
  sourceDepth: string;
  /** libvips' interpretation of the samples (srgb, scrgb, b-w, cmyk, ...). */
  space: string;
  /** TIFF and libvips' .v can be read band by band; others are spooled once first. */
  randomAccess: boolean;
  /**
   * The EXIF/TIFF orientation (1-8; 1 upright). Other than 1, the pixels are turned upright
   * while spooled, and `width` and `height` are those of the upright image.
   */
  orientation: number;
  fileBytes: number;
  /**
   * Rows per tile or strip of a TIFF read in place (its TileLength or RowsPerStrip): bands cut at
   * these rows never decode a tile or strip twice. Undefined for other formats.
   */
  chunkRows?: number;
  /**
   * A tiled TIFF's TileWidth, read in place: a very wide band is read in pieces of whole tiles
   * (see readBands). Undefined for strips and other formats.
   */
  tileWidth?: number;
  /**
   * Images in the file, when more than one: the pages of a multi-page TIFF or the levels of a
   * pyramid (COG and libvips pyramids keep them as pages, OME-TIFF as SubIFDs). The largest, the
   * full resolution, is the one read: page 0, or `page`.
   */
  pages?: number;
  /** The page read when the largest image is not the first (the size and tags are its own). */
  page?: number;
}

const RANDOM_ACCESS_FORMATS = new Set(['tiff', 'vips']);
const GREY_SPACES = new Set(['b-w', 'grey16']);

/** Reads the header only (never the pixels) and checks the image is one gigaquant may take. */
export async function probeImage(path: string, maxPixels: number): Promise<ImageInfo> {
  let fileBytes: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw new GigaquantError('E_INPUT_UNREADABLE', `${path}: is a directory, not an image file`, {
        file: path,
      });
    }
    fileBytes = st.size;
  } catch (err) {
    if (err instanceof GigaquantError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new GigaquantError('E_INPUT_MISSING', `${path}: no such file`, {
        file: path,
        cause: err,
      });
    }
    throw new GigaquantError(
      'E_INPUT_UNREADABLE',
      `${path}: cannot read (${code ?? String(err)})`,
      {
        file: path,
        cause: err,
      },
    );
  }
  if (fileBytes === 0) {
    throw new GigaquantError('E_INPUT_CORRUPT', `${path}: file is empty (0 bytes)`, { file: path });
  }

  let meta;
  try {
    meta = await openWithSharp(path).metadata();
  } catch (err) {
    const unsupported = await unsupportedTiffSamples(path);
    if (unsupported)
      throw new GigaquantError('E_INPUT_CORRUPT', `${path}: ${unsupported}`, { file: path });
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: not a readable image (${describe(err)})`,
      {
        file: path,
        cause: err,
      },
    );
  }
  const levels = meta.format === 'tiff' ? await pagesOf(path, meta) : undefined;
  const page = levels?.largest || undefined;
  if (page) meta = await openWithSharp(path, { page }).metadata();
  const { format } = meta;
  const orientation =
    meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const turned = orientation >= 5;
  const width = turned ? meta.height : meta.width;
  const height = turned ? meta.width : meta.height;
  if (!width || !height || !format) {
    throw new GigaquantError('E_INPUT_CORRUPT', `${path}: image has no dimensions`, { file: path });
  }
  if (maxPixels > 0 && width * height > maxPixels) {
    throw new GigaquantError(
      'E_INPUT_TOO_LARGE',
      `${path}: ${width}x${height} is ${width * height} pixels, more than --max-pixels ${maxPixels}; raise --max-pixels (0 = no limit) if this is intended`,
      { file: path },
    );
  }
  await checkDataCoversCanvas(path, format, width, height, fileBytes);
  const stored = meta.channels ?? 3;
  if (stored > (meta.space === 'cmyk' ? 5 : 4)) {
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: has ${stored} channels; gigaquant reads grey, grey + alpha, RGB and RGBA (and CMYK), so drop the extra ones first (vips extract_band ${path} out.tif 0 --n 3)`,
      { file: path },
    );
  }
  if (meta.depth === 'complex' || meta.depth === 'dpcomplex') {
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: has complex samples, which are not colours; take their magnitude first (vips abs)`,
      { file: path },
    );
  }
  const hasAlpha = meta.hasAlpha === true;
  const isGrey = GREY_SPACES.has(meta.space ?? '');
  const channels = ((isGrey ? 1 : 3) + (hasAlpha ? 1 : 0)) as ImageInfo['channels'];
  const randomAccess = RANDOM_ACCESS_FORMATS.has(format) && orientation === 1;
  return {
    path,
    format,
    width,
    height,
    channels,
    hasAlpha,
    isGrey,
    sourceDepth: meta.depth ?? 'uchar',
    space: meta.space ?? 'srgb',
    randomAccess,
    orientation,
    fileBytes,
    ...(randomAccess && format === 'tiff' ? await tiffChunks(path, height, page) : {}),
    pages: levels && levels.count > 1 ? levels.count : undefined,
    page,
  };
}

/**
 * How many images a TIFF holds (pages, or a pyramid's levels), and which page is the largest:
 * the full resolution is read wherever it sits, never a reduced level without a word. SubIFD
 * levels (OME-TIFF's way) hang below page 0, which holds the full resolution.
 */
async function pagesOf(
  path: string,
  meta: { pages?: number; subifds?: number; width?: number; height?: number },
): Promise<{ count: number; largest: number }> {
  const pages = meta.pages ?? 1;
  let largest = 0;
  let most = (meta.width ?? 0) * (meta.height ?? 0);
  for (let page = 1; page < pages; page++) {
    const other = await openWithSharp(path, { page })
      .metadata()
      .catch(() => undefined);
    const pixels = (other?.width ?? 0) * (other?.height ?? 0);
    if (pixels > most) {
      most = pixels;
      largest = page;
    }
  }
  return { count: Math.max(pages, (meta.subifds ?? 0) + 1), largest };
}

const ROWS_PER_STRIP = 278;
const TILE_LENGTH = 323;
const TILE_WIDTH = 322;

/** A TIFF's rows per tile (TileLength) or strip (RowsPerStrip, all rows when absent), and its tiles' width. */
async function tiffChunks(
  path: string,
  height: number,
  page?: number,
): Promise<{ chunkRows?: number; tileWidth?: number }> {
  const tags = await readTiffTags(
    path,
    new Set([ROWS_PER_STRIP, TILE_LENGTH, TILE_WIDTH]),
    page,
  ).catch(() => []);
  const first = (tag: number): number | undefined =>
    (tags.find((t) => t.tag === tag)?.values as number[] | undefined)?.[0];
  const rows = first(TILE_LENGTH) ?? first(ROWS_PER_STRIP) ?? height;
  const tileWidth = first(TILE_LENGTH) !== undefined ? first(TILE_WIDTH) : undefined;
  return {
    chunkRows: rows >= 1 ? Math.min(rows, height) : undefined,
    ...(tileWidth !== undefined && tileWidth >= 1 ? { tileWidth } : {}),
  };
}

const BITS_PER_SAMPLE = 258;
const SAMPLE_FORMAT = 339;

/**
 * Why a TIFF that libvips cannot open is one it never will, in words: samples of a kind it does
 * not read (64-bit floats). Undefined when that is not the reason.
 */
async function unsupportedTiffSamples(path: string): Promise<string | undefined> {
  const tags = await readTiffTags(path, new Set([BITS_PER_SAMPLE, SAMPLE_FORMAT])).catch(() => []);
  const first = (tag: number): number | undefined =>
    (tags.find((t) => t.tag === tag)?.values as number[] | undefined)?.[0];
  if (first(SAMPLE_FORMAT) === 3 && first(BITS_PER_SAMPLE) === 64)
    return 'has 64-bit floating-point samples, which are not read; convert them to 32-bit first (vips cast in.tif out.tif float)';
  return undefined;
}

/**
 * sharp's messages are good but sometimes multi-line (keep the first line), and sometimes say
 * nothing at all ("Unknown error"): then say what is known.
 */
export function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = (message.split('\n')[0] ?? '').trim();
  if (first === '' || /^unknown error$/i.test(first))
    return 'the decoder stopped without saying why: the file is damaged or not what its name says';
  return first;
}
