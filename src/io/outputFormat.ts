import { extname } from 'node:path';
import { usageError } from '../errors.js';

/** The file format written, from the output's extension. */
export type OutputFormat = 'png' | 'tiff' | 'jpeg' | 'webp' | 'avif' | 'gif' | 'npy';

/** Formats that libvips encodes from a temporary TIFF, rather than our own streaming writers. */
export type EncodedFormat = 'jpeg' | 'webp' | 'avif' | 'gif';
export function isEncodedFormat(format: OutputFormat): format is EncodedFormat {
  return format === 'jpeg' || format === 'webp' || format === 'avif' || format === 'gif';
}

/**
 * What the output stores per pixel: `palette` an index into a palette kept in the file (palette
 * PNG, indexed TIFF); `labels` a bare index, with the codebook in separate .json and .npy files;
 * `rgb` the quantized colour itself, for formats or viewers without palettes.
 */
export type OutputKind = 'palette' | 'labels' | 'rgb';

const BY_EXTENSION: Record<string, OutputFormat> = {
  '.png': 'png',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
  '.gif': 'gif',
  '.npy': 'npy',
};

/** The extension written for each format when gigaquant names a file itself. */
export const EXTENSION_OF: Record<OutputFormat, string> = {
  png: 'png',
  tiff: 'tif',
  jpeg: 'jpg',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  npy: 'npy',
};

const KINDS_OF: Record<OutputFormat, readonly OutputKind[]> = {
  png: ['palette', 'labels', 'rgb'],
  tiff: ['palette', 'labels', 'rgb'],
  jpeg: ['rgb'],
  webp: ['rgb'],
  avif: ['rgb'],
  gif: ['rgb'],
  npy: ['labels'],
};

const NAME: Record<OutputFormat, string> = {
  png: 'PNG',
  tiff: 'TIFF',
  jpeg: 'JPEG',
  webp: 'WebP',
  avif: 'AVIF',
  gif: 'GIF',
  npy: '.npy',
};

export function outputFormatOf(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  const format = BY_EXTENSION[ext];
  if (!format) {
    throw usageError(
      `${path}: unknown output extension '${ext || '(none)'}'; use .png (palette PNG, k <= 256), .tif/.tiff (indexed TIFF, k <= 65536), .jpg/.webp/.avif/.gif (quantized colours) or .npy (labels)`,
    );
  }
  return format;
}

/**
 * The format of an output file: `asked` (the --format flag) when given, which must agree with a
 * known extension; otherwise the extension's.
 */
export function outputFormatFor(path: string, asked?: OutputFormat): OutputFormat {
  if (asked === undefined) return outputFormatOf(path);
  if (!(asked in NAME)) {
    throw usageError(
      `Expected one of ${Object.keys(NAME).join(', ')} for format but received ${String(asked)}`,
    );
  }
  const byExtension = BY_EXTENSION[extname(path).toLowerCase()];
  if (byExtension && byExtension !== asked) {
    throw usageError(
      `${path}: the name says ${NAME[byExtension]} but the format asked for is ${NAME[asked]}; name the file .${EXTENSION_OF[asked]}, or drop --format`,
    );
  }
  return asked;
}

/**
 * What `format` will store: `asked`, when the format can hold it, or else the natural choice,
 * a palette where the format has one (and it holds `k` colours), colours otherwise, labels in .npy.
 */
export function outputKindFor(
  path: string,
  format: OutputFormat,
  asked: OutputKind | undefined,
  k: number | undefined,
): OutputKind {
  if (asked) {
    if (KINDS_OF[format].includes(asked)) return asked;
    if (asked === 'labels' && format === 'gif') {
      throw usageError(
        `${path}: GIF holds at most 256 colours and its encoder may merge them; write labels as .png, .tif or .npy`,
      );
    }
    if (asked === 'labels') {
      throw usageError(
        `${path}: label images must be lossless, and ${NAME[format]} is not: its compression changes pixel values, so they would no longer be palette indices. Write labels as .png, .tif or .npy`,
      );
    }
    throw usageError(
      `${path}: ${NAME[format]} cannot store ${asked === 'palette' ? 'a palette' : 'colours'}; ${format === 'npy' ? 'use --labels, or write .png or .tif' : 'use --rgb, or write .png or .tif'}`,
    );
  }
  if (format === 'npy') return 'labels';
  if (isEncodedFormat(format)) return 'rgb';
  // Only a PNG's palette is smaller than what its colours can hold.
  return format === 'png' && k !== undefined && k > maxColors(format, 'palette')
    ? 'rgb'
    : 'palette';
}

/** The most colours a format can hold (a palette PNG and a GIF 256; indices go up to 16 bits). */
export function maxColors(format: OutputFormat, kind: OutputKind): number {
  return (kind === 'palette' && format === 'png') || format === 'gif' ? 256 : 65536;
}

/** Whether the output can carry transparency (a label image's codebook always can). */
export function carriesAlpha(format: OutputFormat, kind: OutputKind): boolean {
  if (kind === 'labels') return true;
  if (kind === 'palette') return format === 'png';
  // GIF has one fully transparent colour at most, not an alpha channel.
  return format !== 'jpeg' && format !== 'gif';
}

export function formatName(format: OutputFormat): string {
  return NAME[format];
}
