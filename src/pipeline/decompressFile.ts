import { access, readFile, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { metadataWithNodata } from './nodataPlan.js';
import { GigaquantError, usageError } from '../errors.js';
import { checkOutputTarget } from '../io/checkOutputTarget.js';
import { codebookBase, writeOutput } from '../io/createWriter.js';
import { checkEncodedSize, wholeImageWarning } from '../io/EncodedRgbWriter.js';
import {
  geoTagsFromJson,
  NO_METADATA,
  readImageMetadata,
  type ImageMetadata,
  type Resolution,
} from '../io/imageMetadata.js';
import { labelBands, openLabels } from '../io/labelSource.js';
import {
  carriesAlpha,
  formatName,
  isEncodedFormat,
  outputFormatFor,
  outputKindFor,
  type OutputFormat,
  type OutputKind,
} from '../io/outputFormat.js';
import { loadPalette } from '../io/paletteFile.js';
import { resolveOptions, type QuantizeOptions } from './quantizeOptions.js';
import type { Palette } from '../types.js';
import { chooseBandHeight } from './bandHeight.js';
import { hasAlphaChannel, withoutAlpha } from '../model/channels.js';
import { peakRssBytes } from './stats.js';

export type DecompressOptions = Pick<
  QuantizeOptions,
  | 'format'
  | 'kind'
  | 'tile'
  | 'quality'
  | 'compressionLevel'
  | 'bigtiff'
  | 'memoryBudget'
  | 'bandHeight'
  | 'maxPixels'
  | 'tmpDir'
  | 'signal'
  | 'onProgress'
> & {
  /** The codebook: a .json or .npy file, or a palette. Default: the file beside the labels. */
  codebook?: string | Palette;
};

export interface DecompressResult {
  input: string;
  codebook: string | undefined;
  output: string;
  format: OutputFormat;
  kind: OutputKind;
  width: number;
  height: number;
  colors: number;
  outputBytes: number;
  seconds: number;
  peakRssBytes: number;
  warnings: string[];
}

/**
 * Turns a label image and its codebook back into an image: `output` gets the palette's colours
 * (as a palette PNG or indexed TIFF, or as RGB in any format gigaquant writes), band by band in
 * bounded memory. Every index is checked against the codebook.
 */
export async function decompressFile(
  labelsPath: string,
  outputPath: string,
  options: DecompressOptions = {},
): Promise<DecompressResult> {
  const started = performance.now();
  const codebookPath =
    typeof options.codebook === 'string'
      ? options.codebook
      : options.codebook
        ? undefined
        : await findCodebook(labelsPath);
  const codebook =
    typeof options.codebook === 'object' ? options.codebook : await loadPalette(codebookPath!);
  // JPEG, GIF and indexed TIFF hold no transparency: the codebook's alpha is dropped, and said so.
  const format = outputFormatFor(outputPath, options.format);
  const dropsAlpha =
    hasAlphaChannel(codebook.channels) &&
    !carriesAlpha(format, outputKindFor(outputPath, format, options.kind, codebook.size));
  const palette = dropsAlpha ? withoutAlpha(codebook) : codebook;
  const warnings = dropsAlpha
    ? [
        `${outputPath}: ${formatName(format)} cannot store transparency; the codebook's alpha was dropped`,
      ]
    : [];
  const opts = resolveOptions(format, { ...options, palette }, outputPath);
  if (opts.kind === 'labels') {
    throw usageError(
      `${outputPath}: decompress writes an image (.png, .tif, .jpg, .webp, .avif or .gif), not labels`,
    );
  }
  await checkOutputTarget(codebookPath ? [labelsPath, codebookPath] : [labelsPath], outputPath);
  const labels = await openLabels(labelsPath, {
    maxPixels: opts.maxPixels,
    tmpDir: opts.tmpDir,
    signal: opts.signal,
  });
  try {
    const { width, height } = labels;
    if (isEncodedFormat(opts.format))
      checkEncodedSize(outputPath, opts.format, labelsPath, width, height);
    const carried = await carriedMetadata(labelsPath, labels.format, codebookPath);
    // An RGB image says nodata by its colour (the labels said it by the label).
    const nodataIndex = carried.nodataIndex;
    const metadata =
      opts.kind === 'rgb' && nodataIndex !== undefined && nodataIndex < palette.size
        ? metadataWithNodata(carried, palette.colors[nodataIndex * palette.channels], nodataIndex)
        : carried;
    const bandHeight = opts.bandHeight ?? chooseBandHeight(width, height, opts.memoryBudget);
    await writeOutput(outputPath, opts, labels, palette, metadata, async (writer) => {
      let rowsDone = 0;
      for await (const band of labelBands(labels, bandHeight, opts.signal)) {
        checkIndices(band.indices, palette.size, labelsPath, band.y, width);
        await writer.write(band);
        rowsDone += band.height;
        opts.onProgress?.({ phase: 'apply', rowsDone, rows: height });
      }
    });
    const memoryWarning = isEncodedFormat(opts.format)
      ? wholeImageWarning(outputPath, opts.format, width, height)
      : undefined;
    return {
      input: labelsPath,
      codebook: codebookPath,
      output: outputPath,
      format: opts.format,
      kind: opts.kind,
      width,
      height,
      colors: palette.size,
      outputBytes: (await stat(outputPath)).size,
      seconds: (performance.now() - started) / 1000,
      peakRssBytes: peakRssBytes(),
      warnings: memoryWarning ? [...warnings, memoryWarning] : warnings,
    };
  } finally {
    await labels.close();
  }
}

async function findCodebook(labelsPath: string): Promise<string> {
  const base = codebookBase(labelsPath);
  for (const candidate of [`${base}.json`, `${base}.npy`]) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new GigaquantError(
    'E_INPUT_MISSING',
    `${labelsPath}: no codebook found beside it (${base}.json or .npy); give one with --codebook`,
    { file: labelsPath },
  );
}

/**
 * Resolution and GeoTIFF tags from the label image; the ICC profile, which a label image cannot
 * hold, from the codebook JSON when compress put it there.
 */
async function carriedMetadata(
  labelsPath: string,
  format: string,
  codebookPath: string | undefined,
): Promise<ImageMetadata> {
  const fromLabels = format === 'npy' ? NO_METADATA : await readImageMetadata(labelsPath, format);
  if (!codebookPath?.toLowerCase().endsWith('.json')) return fromLabels;
  const parsed = JSON.parse(await readFile(codebookPath, 'utf8')) as {
    icc?: unknown;
    resolution?: Resolution;
    geoTags?: unknown;
    nodata?: unknown;
  };
  const r = parsed.resolution;
  const resolution =
    fromLabels.resolution ??
    (r && r.x > 0 && r.y > 0 && (r.unit === 'inch' || r.unit === 'cm') ? r : undefined);
  const geoTags =
    fromLabels.geoTags.length > 0 ? fromLabels.geoTags : geoTagsFromJson(parsed.geoTags);
  const icc =
    typeof parsed.icc === 'string'
      ? new Uint8Array(Buffer.from(parsed.icc, 'base64'))
      : fromLabels.icc;
  const nodataIndex = typeof parsed.nodata === 'number' ? parsed.nodata : undefined;
  return { ...fromLabels, icc, resolution, geoTags, nodataIndex };
}

function checkIndices(
  indices: Uint8Array | Uint16Array,
  size: number,
  path: string,
  y: number,
  width: number,
): void {
  for (let p = 0; p < indices.length; p++) {
    if ((indices[p] as number) >= size) {
      throw new GigaquantError(
        'E_INPUT_CORRUPT',
        `${path}: label ${indices[p]} at row ${y + Math.floor(p / width)}, column ${p % width} is outside the codebook of ${size} colours: wrong codebook?`,
        { file: path },
      );
    }
  }
}
