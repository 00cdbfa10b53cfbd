import type { ResolvedOptions } from '../options.js';
import type { IndexWriter, Palette } from '../types.js';
import { VERSION } from '../version.js';
import { PngIndexWriter } from './png/PngIndexWriter.js';
import { TiffIndexWriter } from './tiff/TiffIndexWriter.js';

/** The streaming writer for `options.format`, writing under a temporary name until closed. */
export async function createWriter(
  outputPath: string,
  options: ResolvedOptions,
  size: { width: number; height: number },
  palette: Palette,
): Promise<IndexWriter & { bigtiff?: boolean }> {
  const common = {
    width: size.width,
    height: size.height,
    palette,
    compressionLevel: options.compressionLevel,
  };
  if (options.format === 'png') return PngIndexWriter.create(outputPath, common);
  return TiffIndexWriter.create(outputPath, {
    ...common,
    bigtiff: options.bigtiff,
    software: `gigaquant ${VERSION}`,
  });
}
