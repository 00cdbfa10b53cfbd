import { join } from 'node:path';
import { GigaquantError, throwIfAborted } from '../errors.js';
import { probeImage, describe, type ImageInfo } from './probeImage.js';
import { configureSharpOnce } from '../runtime/sharpSettings.js';
import { openWithSharp } from './sharpInput.js';
import { checkRoomFor, isDiskFull } from './diskSpace.js';
import { createTempDir } from './tempFiles.js';
import { readTiledLayout, type TiledLayout } from './tiff/tiledLayout.js';

/** Room kept for a spool's header and metadata beyond its pixels. */
const SPOOL_SLACK_BYTES = 1024 * 1024;

/** An image ready to be read band by band, possibly through a spooled copy. */
export interface ImageSource {
  info: ImageInfo;
  /** The file bands are read from: the input itself, or its spooled copy. */
  readPath: string;
  /** The page of `readPath` to read (a TIFF whose full resolution is not its first image). */
  readPage?: number;
  spooled: boolean;
  /** Where the tiles are, when the file is a tiled TIFF that gigaquant decodes itself. */
  tiles?: TiledLayout;
  /** Removes the spooled copy, if any. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenImageOptions {
  maxPixels: number;
  tmpDir: string;
  signal?: AbortSignal;
  /**
   * Spool grey images as one grey channel at their own depth. sharp otherwise writes the spool as
   * 8-bit sRGB, which is what quantizing wants and what would destroy 16-bit label images.
   */
  keepGreyDepth?: boolean;
}

/**
 * Probes `path` and makes it readable band by band. TIFF and .v are read in place. Sequential
 * formats (PNG, JPEG, WebP, GIF, ...) would be decoded again from the top for every band, which is
 * quadratic, so they are decoded once, streaming, into an uncompressed libvips `.v` file in a
 * private directory under `tmpDir`, which `close()` removes; so is an image with an orientation
 * other than upright, turned upright on the way.
 */
export async function openImage(path: string, options: OpenImageOptions): Promise<ImageSource> {
  configureSharpOnce();
  const info = await probeImage(path, options.maxPixels);
  if (info.randomAccess) {
    const tiles = await ownTiles(info);
    return {
      info,
      readPath: path,
      readPage: info.page,
      spooled: false,
      ...(tiles ? { tiles } : {}),
      close: async () => {},
    };
  }
  throwIfAborted(options.signal);
  // The spool is uncompressed: samples x pixels, and a little for libvips' header and metadata.
  const sampleBytes = info.sourceDepth === 'ushort' ? 2 : 1;
  const spoolBytes = info.width * info.height * info.channels * sampleBytes + SPOOL_SLACK_BYTES;
  await checkRoomFor(options.tmpDir, spoolBytes, `an uncompressed copy of ${path}`);
  let dir;
  try {
    dir = await createTempDir(options.tmpDir);
  } catch (err) {
    throw new GigaquantError(
      'E_OUTPUT',
      `cannot create a temporary directory in ${options.tmpDir} (${describe(err)}); set --tmp-dir to a writable folder with room for an uncompressed copy of ${path}`,
      { file: options.tmpDir, cause: err },
    );
  }
  const spoolPath = join(dir.path, 'spool.v');
  try {
    // Turned upright as viewers show it (the output carries no orientation tag).
    let image = openWithSharp(path, { page: info.page }).keepIccProfile();
    if (info.orientation !== 1) image = image.rotate();
    if (options.keepGreyDepth && info.isGrey)
      image = image.toColourspace(info.sourceDepth === 'ushort' ? 'grey16' : 'b-w');
    await image.toFile(spoolPath);
  } catch (err) {
    await dir.remove();
    if (isDiskFull(err)) {
      throw new GigaquantError(
        'E_OUTPUT',
        `${options.tmpDir}: disk full while making an uncompressed copy of ${path} (${describe(err)}); free space, or point --tmp-dir elsewhere`,
        { file: options.tmpDir, cause: err },
      );
    }
    throw new GigaquantError('E_INPUT_CORRUPT', `${path}: cannot decode image (${describe(err)})`, {
      file: path,
      cause: err,
    });
  }
  let closed = false;
  return {
    info,
    readPath: spoolPath,
    spooled: true,
    async close() {
      if (closed) return;
      closed = true;
      await dir.remove();
    },
  };
}

/**
 * The tile layout of a TIFF read in place, when it is 8-bit RGB as libvips would give it too.
 * `GIGAQUANT_NO_OWN_TILES=1` leaves every file to libvips: a way back for anyone who meets a file
 * the two read differently, until that is fixed.
 */
async function ownTiles(info: ImageInfo): Promise<TiledLayout | undefined> {
  if (
    process.env.GIGAQUANT_NO_OWN_TILES ||
    info.format !== 'tiff' ||
    info.tileWidth === undefined ||
    info.channels !== 3 ||
    info.sourceDepth !== 'uchar' ||
    info.space !== 'srgb'
  )
    return undefined;
  const layout = await readTiledLayout(info.path, info.page ?? 0, info.fileBytes);
  return layout && layout.width === info.width && layout.height === info.height
    ? layout
    : undefined;
}
