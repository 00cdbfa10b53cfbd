import { join } from 'node:path';
import sharp, { type Sharp } from '../runtime/sharp.js';
import { usageError } from '../errors.js';
import type { IndexBand, IndexWriter, KeepOutput, Palette } from '../types.js';
import type { ImageMetadata } from './imageMetadata.js';
import { formatName, type EncodedFormat } from './outputFormat.js';
import { colorLayout } from './sampleLayout.js';
import { SHARP_INPUT_OPTIONS } from './sharpInput.js';
import { atomicOutput, createTempDir } from './tempFiles.js';
import { TiffWriter } from './tiff/TiffWriter.js';

export interface EncodedRgbWriterOptions {
  width: number;
  height: number;
  palette: Palette;
  format: EncodedFormat;
  /** 1-100; for WebP, absent means lossless. Not used by GIF. */
  quality: number | undefined;
  /** Where the intermediate TIFF goes. */
  tmpDir: string;
  metadata?: ImageMetadata;
  software: string;
}

/** Above this, libjpeg's optimised Huffman tables would hold every coefficient of the image. */
const OPTIMISE_CODING_MAX_PIXELS = 16 * 1024 * 1024;
const DEFAULT_QUALITY: Record<'jpeg' | 'avif', number> = { jpeg: 90, avif: 80 };
/** Each format's limit on a side: libjpeg's, WebP's, libheif's for AVIF, GIF's 16-bit sizes. */
const MAX_SIDE: Record<EncodedFormat, number> = {
  jpeg: 65500,
  webp: 16383,
  avif: 16384,
  gif: 65535,
};
/** Formats whose encoder holds the whole image, and the peak bytes per pixel measured (WebP). */
const WHOLE_IMAGE_BYTES_PER_PIXEL: Partial<Record<EncodedFormat, number>> = {
  webp: 26,
  avif: 26,
  gif: 8,
};
/** Above this, a whole-image encoder is worth a warning. */
const WARN_PIXELS = 16 * 1024 * 1024;

/**
 * Quantized colours as JPEG, WebP, AVIF or GIF. sharp buffers a whole input stream in memory, so
 * the colours are streamed instead into a temporary TIFF of deflated strips (with the ICC profile
 * and resolution), which libvips then reads sequentially and encodes: JPEG in bounded memory at
 * any size. The others cannot be bounded: libwebp, libheif and GIF's palette step take the whole
 * picture at once.
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

  async close(keep?: KeepOutput): Promise<boolean> {
    const out = atomicOutput(this.finalPath);
    try {
      await this.tiff.close();
      await this.encode(out.tempPath);
      return await out.commit(keep);
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
    await encoderFor(image, format, quality, width * height, this.options.palette.size).toFile(
      path,
    );
  }
}

function encoderFor(
  image: Sharp,
  format: EncodedFormat,
  quality: number | undefined,
  pixels: number,
  colors: number,
): Sharp {
  switch (format) {
    case 'jpeg':
      return image.jpeg({
        quality: quality ?? DEFAULT_QUALITY.jpeg,
        optimiseCoding: pixels <= OPTIMISE_CODING_MAX_PIXELS,
      });
    case 'webp':
      return quality === undefined ? image.webp({ lossless: true }) : image.webp({ quality });
    case 'avif':
      return image.avif({ quality: quality ?? DEFAULT_QUALITY.avif });
    case 'gif':
      // The image already has its colours: no dithering, and room for all of them.
      return image.gif({ colours: Math.max(2, colors), dither: 0, effort: 10 });
  }
}

/** Whether the format changes colours (so the PSNR reported is not that of the file). */
export function isLossy(format: EncodedFormat, quality: number | undefined): boolean {
  return format === 'jpeg' || format === 'avif' || (format === 'webp' && quality !== undefined);
}

function resolutionDpi(r: NonNullable<ImageMetadata['resolution']>): number {
  return r.unit === 'cm' ? r.x * 2.54 : r.x;
}

/** The warning for an output whose encoder holds the whole image, when that is big. */
export function wholeImageWarning(
  path: string,
  format: EncodedFormat,
  width: number,
  height: number,
): string | undefined {
  const perPixel = WHOLE_IMAGE_BYTES_PER_PIXEL[format];
  const pixels = width * height;
  if (!perPixel || pixels <= WARN_PIXELS) return undefined;
  const gib = (pixels * perPixel) / 2 ** 30;
  return `${path}: the ${formatName(format)} encoder holds the whole image in memory (up to about ${gib.toFixed(1)} GiB for ${(pixels / 1e6).toFixed(0)} Mpx); write .jpg or .tif to stay in bounded memory`;
}

/** Refuses, before any work, an output larger than its format allows. */
export function checkEncodedSize(
  outputPath: string,
  format: EncodedFormat,
  inputPath: string,
  width: number,
  height: number,
): void {
  const limit = MAX_SIDE[format];
  if (Math.max(width, height) <= limit) return;
  throw usageError(
    `${outputPath}: ${formatName(format)} images are at most ${limit} pixels a side and ${inputPath} is ${width}x${height}; write .png or .tif instead`,
  );
}
