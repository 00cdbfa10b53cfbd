import { join } from 'node:path';
import sharp from 'sharp';
import { usageError } from '../errors.js';
import type { IndexBand, IndexWriter, Palette } from '../types.js';
import type { ImageMetadata } from './imageMetadata.js';
import { colorLayout } from './pixelLayout.js';
import { SHARP_INPUT_OPTIONS } from './sharpInput.js';
import { atomicOutput, createTempDir } from './tempFiles.js';
import { TiffWriter } from './tiff/TiffWriter.js';

export interface EncodedRgbWriterOptions {
  width: number;
  height: number;
  palette: Palette;
  format: 'jpeg' | 'webp';
  /** 1-100; for WebP, absent means lossless. */
  quality: number | undefined;
  /** Where the intermediate TIFF goes. */
  tmpDir: string;
  metadata?: ImageMetadata;
  software: string;
}

/** Above this, libjpeg's optimised Huffman tables would hold every coefficient of the image. */
const OPTIMISE_CODING_MAX_PIXELS = 16 * 1024 * 1024;
export const JPEG_DEFAULT_QUALITY = 90;
/** WebP's format limit on each side. */
const WEBP_MAX_SIDE = 16383;

/**
 * Quantized colours as JPEG or WebP. sharp buffers a whole input stream in memory, so the colours
 * are streamed instead into a temporary TIFF of deflated strips (with the ICC profile and
 * resolution), which libvips then reads sequentially and encodes: JPEG in bounded memory at any
 * size. WebP cannot be bounded: libwebp encodes the whole picture at once.
 */
export class EncodedRgbWriter implements IndexWriter {
  private constructor(
    private readonly options: EncodedRgbWriterOptions,
    private readonly finalPath: string,
    private readonly tiff: TiffWriter,
    private readonly tiffPath: string,
    private readonly dir: { remove(): Promise<void> },
  ) {}

  static async create(
    finalPath: string,
    options: EncodedRgbWriterOptions,
  ): Promise<EncodedRgbWriter> {
    const dir = await createTempDir(options.tmpDir);
    const tiffPath = join(dir.path, 'colors.tif');
    try {
      const tiff = await TiffWriter.create(tiffPath, {
        width: options.width,
        height: options.height,
        layout: colorLayout(options.palette),
        // Quantized colours deflate well even at level 1, and this copy is read only once.
        compressionLevel: 1,
        bigtiff: 'auto',
        software: options.software,
        metadata: options.metadata,
      });
      return new EncodedRgbWriter(options, finalPath, tiff, tiffPath, dir);
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  write(band: IndexBand): Promise<void> {
    return this.tiff.write(band);
  }

  async close(): Promise<void> {
    const out = atomicOutput(this.finalPath);
    try {
      await this.tiff.close();
      await this.encode(out.tempPath);
      await out.commit();
    } catch (err) {
      await out.discard();
      throw err;
    } finally {
      await this.dir.remove();
    }
  }

  async abort(err: Error): Promise<void> {
    await this.tiff.abort(err);
    await this.dir.remove();
  }

  private async encode(path: string): Promise<void> {
    const { format, quality, metadata, width, height } = this.options;
    let image = sharp(this.tiffPath, { ...SHARP_INPUT_OPTIONS, sequentialRead: true });
    if (metadata?.icc) image = image.keepIccProfile();
    const dpi = metadata?.resolution && resolutionDpi(metadata.resolution);
    if (dpi) image = image.withMetadata({ density: dpi });
    image =
      format === 'jpeg'
        ? image.jpeg({
            quality: quality ?? JPEG_DEFAULT_QUALITY,
            optimiseCoding: width * height <= OPTIMISE_CODING_MAX_PIXELS,
          })
        : quality === undefined
          ? image.webp({ lossless: true })
          : image.webp({ quality });
    await image.toFile(path);
  }
}

function resolutionDpi(r: NonNullable<ImageMetadata['resolution']>): number {
  return r.unit === 'cm' ? r.x * 2.54 : r.x;
}

/** Above this, WebP's whole-image encoding is worth a warning. */
const WEBP_WARN_PIXELS = 16 * 1024 * 1024;
/** Peak bytes per pixel measured for libwebp through libvips: ~16 lossy, ~26 lossless. */
const WEBP_BYTES_PER_PIXEL = 26;

/** The warning for a WebP output big enough for its whole-image encoding to matter. */
export function webpMemoryWarning(path: string, width: number, height: number): string | undefined {
  const pixels = width * height;
  if (pixels <= WEBP_WARN_PIXELS) return undefined;
  const gib = (pixels * WEBP_BYTES_PER_PIXEL) / 2 ** 30;
  return `${path}: libwebp encodes the whole image in memory (up to about ${gib.toFixed(1)} GiB for ${(pixels / 1e6).toFixed(0)} Mpx); write .jpg or .tif to stay in bounded memory`;
}

/** Refuses, before any work, a WebP output larger than the format allows. */
export function checkWebpSize(
  outputPath: string,
  inputPath: string,
  width: number,
  height: number,
): void {
  if (Math.max(width, height) <= WEBP_MAX_SIDE) return;
  throw usageError(
    `${outputPath}: WebP images are at most ${WEBP_MAX_SIDE} pixels a side and ${inputPath} is ${width}x${height}; write .jpg, .png or .tif instead`,
  );
}
