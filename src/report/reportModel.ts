import sharp from '../runtime/sharp.js';
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
  /** The regions with the largest error, worst first, at 1:1 (see pipeline/loupe.ts). */
  loupe?: LoupeView[];
}

/** A region of the loupe: where it is, and its crops as lossless WebP data URIs. */
export interface LoupeView {
  left: number;
  top: number;
  width: number;
  height: number;
  original: string;
  /** The output's crop at each k shown (one for compress; every k of a sweep). */
  quantized: { k: number; uri: string; psnr: number | null }[];
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
  width?: number;
  height?: number;
  loupe?: LoupeView[];
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
  if (digest.loupe && digest.loupe.length > 0)
    entry.loupe = await Promise.all(
      digest.loupe.map(async (crop) => ({
        ...placeOf(crop),
        original: await cropUri(crop.original, crop.width, crop.height),
        quantized: [
          {
            k: figures.colors,
            uri: await cropUri(crop.quantized, crop.width, crop.height),
            psnr: finiteOrNull(crop.psnr),
          },
        ],
      })),
    );
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

export function placeOf(r: { left: number; top: number; width: number; height: number }) {
  return { left: r.left, top: r.top, width: r.width, height: r.height };
}

export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * A loupe crop (small by construction: LOUPE_SIDE a side) as a lossless WebP data URI: the point
 * of the loupe is to see every pixel as it is.
 */
export async function cropUri(rgba: Uint8Array, width: number, height: number): Promise<string> {
  const webp = await sharp(Buffer.from(rgba), { raw: { width, height, channels: 4 } })
    .webp({ lossless: true })
    .toBuffer();
  return `data:image/webp;base64,${webp.toString('base64')}`;
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
