import { unlink } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { asGigaquantError, GigaquantError } from '../errors.js';
import type { IndexWriter, Palette } from '../types.js';
import { VERSION } from '../version.js';
import { EncodedRgbWriter } from './EncodedRgbWriter.js';
import {
  geoTagsToJson,
  metadataForOutput,
  NO_METADATA,
  type ImageMetadata,
} from './imageMetadata.js';
import { NpyLabelWriter } from './NpyLabelWriter.js';
import { isEncodedFormat, type OutputFormat, type OutputKind } from './outputFormat.js';
import { savePalette } from './paletteFile.js';
import { colorLayout, indexLayout } from './sampleLayout.js';
import { PngWriter } from './png/PngWriter.js';
import { bitDepthFor } from './png/chunks.js';
import { TiffWriter, type TiffWriterOptions } from './tiff/TiffWriter.js';
import { PyramidTiffWriter } from './tiff/PyramidTiffWriter.js';

/** How an output file is encoded: the part of the resolved options that writers read. */
export interface WriterOptions {
  format: OutputFormat;
  kind: OutputKind;
  compressionLevel: number;
  bigtiff: boolean | 'auto';
  tile: number | undefined;
  /** TIFF: with reduced levels, as a Cloud-Optimized GeoTIFF. */
  pyramid?: boolean;
  quality: number | undefined;
  tmpDir: string;
}

/** Where the codebook of a label image goes: `<labels without extension>.codebook.{json,npy}`. */
export function codebookBase(labelsPath: string): string {
  return labelsPath.slice(0, labelsPath.length - extname(labelsPath).length) + '.codebook';
}

/**
 * The TIFF options (layout, colour map, metadata) of an output: what TiffWriter writes, and what
 * the parts of a split image are written and stitched with.
 */
export function tiffOptionsFor(
  options: WriterOptions,
  size: { width: number; height: number },
  palette: Palette,
  inputMetadata: ImageMetadata = NO_METADATA,
): TiffWriterOptions {
  return {
    width: size.width,
    height: size.height,
    layout: options.kind === 'rgb' ? colorLayout(palette) : indexLayout(palette.size),
    // A label image is a bare grey image of indices: the palette goes to the codebook instead.
    palette: options.kind === 'palette' ? palette : undefined,
    // Palette images of up to 16 colours store their indices in 1, 2 or 4 bits; label images stay
    // 8-bit, the grey image every reader takes as numbers.
    packedBits: options.kind === 'palette' ? packedIndexBits(palette.size) : undefined,
    compressionLevel: options.compressionLevel,
    bigtiff: options.bigtiff,
    tile: options.tile,
    software: SOFTWARE,
    metadata: outputMetadata(options.kind, palette, inputMetadata),
  };
}

const SOFTWARE = `gigaquant ${VERSION}`;

/** 1, 2 or 4 bits for palettes of up to 2, 4 or 16 entries; undefined (8 or 16) above. */
function packedIndexBits(paletteSize: number): 1 | 2 | 4 | undefined {
  const bits = bitDepthFor(paletteSize);
  return bits === 8 ? undefined : bits;
}

/** The input's metadata as an output of this kind carries it. */
function outputMetadata(
  kind: OutputKind,
  palette: Palette,
  inputMetadata: ImageMetadata,
): ImageMetadata {
  // Palette PNGs and indexed TIFFs hold RGB colour maps even for grey palettes.
  const greyPixels = kind === 'rgb' && palette.channels <= 2;
  return metadataForOutput(
    inputMetadata,
    kind === 'labels' ? 'labels' : greyPixels ? 'grey' : 'rgb',
  );
}

/**
 * The streaming writer for the output's format and kind, writing under temporary names until
 * closed. A label image's writer also writes its codebook when it closes.
 */
export async function createWriter(
  outputPath: string,
  options: WriterOptions,
  size: { width: number; height: number },
  palette: Palette,
  inputMetadata: ImageMetadata = NO_METADATA,
): Promise<IndexWriter & { bigtiff?: boolean }> {
  const { width, height } = size;
  const { format, kind, compressionLevel } = options;
  const metadata = outputMetadata(kind, palette, inputMetadata);
  if (isEncodedFormat(format)) {
    return EncodedRgbWriter.create(outputPath, {
      width,
      height,
      palette,
      format,
      quality: options.quality,
      tmpDir: options.tmpDir,
      metadata,
      software: SOFTWARE,
    });
  }
  let writer: IndexWriter & { bigtiff?: boolean };
  if (format === 'npy')
    writer = await NpyLabelWriter.create(outputPath, { width, height, paletteSize: palette.size });
  else if (format === 'png')
    writer = await PngWriter.create(outputPath, {
      width,
      height,
      layout: kind === 'rgb' ? colorLayout(palette) : indexLayout(palette.size),
      palette: kind === 'palette' ? palette : undefined,
      compressionLevel,
      metadata,
    });
  else if (options.pyramid)
    writer = await PyramidTiffWriter.create(
      outputPath,
      tiffOptionsFor(options, size, palette, inputMetadata),
    );
  else
    writer = await TiffWriter.create(
      outputPath,
      tiffOptionsFor(options, size, palette, inputMetadata),
    );
  if (kind !== 'labels') return writer;
  return withCodebook(writer, outputPath, palette, {
    labels: basename(outputPath),
    ...codebookFields(format, size, palette, inputMetadata),
  });
}

/**
 * What a codebook holds beside the colours: what the label file itself cannot hold, for
 * decompress to give back.
 */
export function codebookFields(
  format: OutputFormat,
  size: { width: number; height: number },
  palette: Palette,
  inputMetadata: ImageMetadata,
): Record<string, unknown> {
  // The profile describes the codebook's colours; decompress puts it back on the image it makes.
  const icc = metadataForOutput(inputMetadata, palette.channels <= 2 ? 'grey' : 'rgb').icc;
  return {
    width: size.width,
    height: size.height,
    software: SOFTWARE,
    icc: icc && Buffer.from(icc).toString('base64'),
    // The resolution (.npy holds none) and the georeference (only TIFF holds it).
    resolution: inputMetadata.resolution,
    // The label that means "no data" (the last entry), where the input had nodata.
    nodata: inputMetadata.nodataIndex,
    geoTags:
      format !== 'tiff' && inputMetadata.geoTags.length > 0
        ? geoTagsToJson(inputMetadata.geoTags)
        : undefined,
  };
}

function withCodebook(
  writer: IndexWriter & { bigtiff?: boolean },
  labelsPath: string,
  palette: Palette,
  extra: Record<string, unknown>,
): IndexWriter & { bigtiff?: boolean } {
  return {
    get bigtiff() {
      return writer.bigtiff;
    },
    write: (band) => writer.write(band),
    regionTile: writer.regionTile,
    writeRegion: writer.writeRegion?.bind(writer),
    abort: (err) => writer.abort(err),
    async close(keep) {
      if (!(await writer.close(keep))) return false;
      try {
        await savePalette(palette, codebookBase(labelsPath), extra);
      } catch (err) {
        // Labels without their codebook are numbers without meaning: keep both or neither.
        await unlink(labelsPath).catch(() => {});
        throw err;
      }
      return true;
    },
  };
}

/**
 * Writes `outputPath` through its writer: `fill` streams the bands in, then the file is finished
 * and moved into place unless `keep` (given what fill returned and the finished file) says no; on
 * any failure it is dropped, and errors that are not already gigaquant's are reported as output
 * errors naming the file.
 */
export async function writeOutput<T>(
  outputPath: string,
  options: WriterOptions,
  size: { width: number; height: number },
  palette: Palette,
  metadata: ImageMetadata,
  fill: (writer: IndexWriter) => Promise<T>,
  keep?: (value: T, tempPath: string) => Promise<boolean>,
): Promise<{ value: T; bigtiff: boolean; written: boolean }> {
  let writer;
  try {
    writer = await createWriter(outputPath, options, size, palette, metadata);
  } catch (err) {
    throw asGigaquantError(err, 'E_OUTPUT', outputPath);
  }
  try {
    const value = await fill(writer);
    const written = await writer.close(keep && ((tempPath) => keep(value, tempPath)));
    return { value, bigtiff: writer.bigtiff ?? false, written };
  } catch (err) {
    await writer.abort(err as Error);
    if (err instanceof GigaquantError) throw err;
    throw asGigaquantError(err, 'E_OUTPUT', outputPath);
  }
}
