import { extname } from 'node:path';
import { usageError } from '../errors.js';

export type OutputFormat = 'png' | 'tiff';

const BY_EXTENSION: Record<string, OutputFormat> = {
  '.png': 'png',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** The most palette entries each format can index. */
export const MAX_COLORS: Record<OutputFormat, number> = { png: 256, tiff: 65536 };

/** Whether the format's palette can carry transparency. */
export const CARRIES_ALPHA: Record<OutputFormat, boolean> = { png: true, tiff: false };

export function outputFormatOf(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  const format = BY_EXTENSION[ext];
  if (!format) {
    throw usageError(
      `${path}: unknown output extension '${ext || '(none)'}'; use .png (palette PNG, k <= 256) or .tif/.tiff (indexed TIFF, k <= 65536)`,
    );
  }
  return format;
}
