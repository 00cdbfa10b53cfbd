import sharp from 'sharp';
import { paletteHex } from '../model/palette.js';
import type { Palette } from '../types.js';
import { figuresOf, type OutputFigures } from '../pipeline/outputFigures.js';
import type { ImageDigest } from '../pipeline/ImageDigestBuilder.js';

/** One image of a report: its figures, palette, and (when gathered) thumbnails and colours. */
export interface ReportImage extends OutputFigures {
  input: string;
  output: string;
  /** '#rrggbb' (or '#rrggbbaa'), and the pixels each entry got. */
  palette?: string[];
  counts?: number[];
  thumbs?: { width: number; height: number; original: string; quantized: string };
  /** Sampled colours: base64 of RGB triples, and of their palette entries as uint16 LE. */
  points?: { colors: string; entries: string };
}

export interface ReportFailure {
  input: string;
  code: string;
  message: string;
}

export interface SweepPoint {
  k: number;
  psnr: number | null;
  bitsPerPixel: number;
  outputBytes: number;
  /** The quantized thumbnail at this k. */
  thumb?: string;
}

export interface ReportSweep {
  input: string;
  knee: number | undefined;
  original?: string;
  points: SweepPoint[];
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  software: string;
  images: ReportImage[];
  failed: ReportFailure[];
  /** Outputs a rule (--skip-if-larger, --min-psnr) refused; `code` names the rule. */
  rejected?: ReportFailure[];
  sweep?: ReportSweep;
}

/** A result's figures as quantizeFile gives them: PSNR is Infinity when lossless. */
export interface ImageFigures extends Omit<OutputFigures, 'psnr'> {
  input: string;
  output: string;
  psnr: number;
}

/** A report entry from a result's figures and, when there is one, its digest. */
export async function reportImage(
  figures: ImageFigures,
  palette: Palette,
  digest: ImageDigest | undefined,
): Promise<ReportImage> {
  const entry: ReportImage = {
    input: figures.input,
    output: figures.output,
    ...figuresOf(figures),
    palette: paletteHex(palette),
  };
  if (!digest) return entry;
  const { thumbWidth: width, thumbHeight: height } = digest;
  entry.counts = digest.counts;
  entry.thumbs = {
    width,
    height,
    original: await thumbnailUri(digest.original, width, height),
    quantized: await thumbnailUri(digest.quantized, width, height),
  };
  entry.points = {
    colors: Buffer.from(digest.pointColors).toString('base64'),
    entries: Buffer.from(
      digest.pointEntries.buffer,
      digest.pointEntries.byteOffset,
      digest.pointEntries.byteLength,
    ).toString('base64'),
  };
  return entry;
}

/** A thumbnail (small by construction: at most 256 px a side) as a WebP data URI. */
export async function thumbnailUri(
  rgba: Uint8Array,
  width: number,
  height: number,
): Promise<string> {
  const webp = await sharp(Buffer.from(rgba), { raw: { width, height, channels: 4 } })
    .webp({ quality: 82, alphaQuality: 90 })
    .toBuffer();
  return `data:image/webp;base64,${webp.toString('base64')}`;
}
