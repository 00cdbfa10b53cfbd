import { GigaquantError } from '../errors.js';
import type { TiffEntry } from './tiff/ifd.js';
import { readTiffTags } from './tiff/readTags.js';
import { openWithSharp } from './sharpInput.js';

/** Pixels per unit, as the input stored it. */
export interface Resolution {
  x: number;
  y: number;
  unit: 'inch' | 'cm';
}

/** What gigaquant carries from an input to its outputs. */
export interface ImageMetadata {
  /** The embedded ICC profile, byte for byte. */
  icc?: Uint8Array;
  resolution?: Resolution;
  /** GeoTIFF and GDAL tags of a TIFF input, copied unchanged into TIFF outputs. */
  geoTags: TiffEntry[];
  /** The palette entry that stands for nodata, for outputs that record it (codebooks). */
  nodataIndex?: number;
  /**
   * An indexed TIFF's colour map (RGB, 8 bits each): its GDAL nodata value is an index, which
   * decoded pixels show as that entry's colour.
   */
  colorMap?: Uint8Array;
}

/**
 * GeoTIFF's ModelPixelScale, ModelTiepoint, ModelTransformation, GeoKeyDirectory, GeoDoubleParams
 * and GeoAsciiParams, and GDAL's NoData: what GIS software needs to place the image on the map.
 */
export const GEO_TAGS: ReadonlySet<number> = new Set([
  33550, 33922, 34264, 34735, 34736, 34737, 42113,
]);
const X_RESOLUTION = 282;
const Y_RESOLUTION = 283;
const RESOLUTION_UNIT = 296;
const TIFF_RESOLUTION_TAGS = new Set([X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT]);
const PHOTOMETRIC = 262;
const COLOR_MAP = 320;

export const NO_METADATA: ImageMetadata = { geoTags: [] };

/**
 * Reads the ICC profile and resolution of any image sharp reads, and the GeoTIFF tags of a TIFF.
 * Headers only. A TIFF's own X/YResolution are read exactly (sharp reports one density in dpi).
 */
export async function readImageMetadata(
  path: string,
  format: string,
  /** The TIFF page read (ImageInfo.page): its own profile, resolution and georeference. */
  page?: number,
): Promise<ImageMetadata> {
  try {
    return await readMetadata(path, format, page);
  } catch (err) {
    // A header damaged where the pixels do not need it is still a damaged file.
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: damaged ${format.toUpperCase()} header (${err instanceof Error ? err.message : String(err)})`,
      { file: path, cause: err },
    );
  }
}

async function readMetadata(path: string, format: string, page?: number): Promise<ImageMetadata> {
  const meta = await openWithSharp(path, { page }).metadata();
  const icc = meta.icc ? new Uint8Array(meta.icc) : undefined;
  if (format !== 'tiff') {
    const dpi = meta.density;
    const resolution: Resolution | undefined =
      dpi && dpi > 0
        ? meta.resolutionUnit === 'cm'
          ? { x: dpi / 2.54, y: dpi / 2.54, unit: 'cm' }
          : { x: dpi, y: dpi, unit: 'inch' }
        : undefined;
    return { icc, resolution, geoTags: [] };
  }
  const tags = await readTiffTags(
    path,
    new Set([...GEO_TAGS, ...TIFF_RESOLUTION_TAGS, PHOTOMETRIC, COLOR_MAP]),
    page,
  );
  const geoTags = tags.filter((t) => GEO_TAGS.has(t.tag));
  return { icc, resolution: tiffResolution(tags), geoTags, colorMap: tiffColorMap(tags) };
}

/** The colour map of an indexed TIFF as 8-bit RGB triplets (TIFF stores all reds, greens, blues). */
function tiffColorMap(tags: TiffEntry[]): Uint8Array | undefined {
  const photometric = (
    tags.find((t) => t.tag === PHOTOMETRIC)?.values as number[] | undefined
  )?.[0];
  const map = tags.find((t) => t.tag === COLOR_MAP)?.values;
  if (photometric !== 3 || !Array.isArray(map) || map.length % 3 !== 0) return undefined;
  const n = map.length / 3;
  const rgb = new Uint8Array(map.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < 3; ch++) rgb[i * 3 + ch] = Math.round((map[ch * n + i] as number) / 257);
  return rgb;
}

function tiffResolution(tags: TiffEntry[]): Resolution | undefined {
  const value = (tag: number): number | undefined => {
    const v = tags.find((t) => t.tag === tag)?.values;
    if (!Array.isArray(v) || v.length < 2 || !v[1]) return undefined;
    return (v[0] as number) / (v[1] as number);
  };
  const x = value(X_RESOLUTION);
  const y = value(Y_RESOLUTION) ?? x;
  const unitCode = (
    tags.find((t) => t.tag === RESOLUTION_UNIT)?.values as number[] | undefined
  )?.[0];
  // Unit 1 ("no absolute unit") gives an aspect ratio, not a resolution: nothing to carry.
  if (!x || !y || unitCode === 1) return undefined;
  return { x, y, unit: unitCode === 3 ? 'cm' : 'inch' };
}

/**
 * The metadata to write into an output whose pixels are `model`: an ICC profile only where its
 * colour space matches (PNG and TIFF readers reject an RGB profile on a grey image, and label
 * images hold indices, which no profile describes). Resolution and GeoTIFF tags always apply.
 */
export function metadataForOutput(
  metadata: ImageMetadata,
  model: 'rgb' | 'grey' | 'labels',
): ImageMetadata {
  const space = metadata.icc && Buffer.from(metadata.icc.subarray(16, 20)).toString('latin1');
  const fits = (model === 'rgb' && space === 'RGB ') || (model === 'grey' && space === 'GRAY');
  return fits ? metadata : { ...metadata, icc: undefined };
}

/** GeoTIFF entries as JSON (bytes as base64), for a codebook beside labels that cannot hold them. */
export function geoTagsToJson(entries: readonly TiffEntry[]): unknown[] {
  return entries.map((e) => ({
    tag: e.tag,
    type: e.type,
    values:
      e.values instanceof Uint8Array
        ? { base64: Buffer.from(e.values).toString('base64') }
        : e.values,
  }));
}

/** The entries geoTagsToJson wrote; anything else in their place is ignored. */
export function geoTagsFromJson(value: unknown): TiffEntry[] {
  if (!Array.isArray(value)) return [];
  const entries: TiffEntry[] = [];
  for (const e of value as { tag?: unknown; type?: unknown; values?: unknown }[]) {
    if (typeof e?.tag !== 'number' || !GEO_TAGS.has(e.tag) || typeof e.type !== 'number') continue;
    const v = e.values;
    const values =
      typeof v === 'string' || (Array.isArray(v) && v.every((n) => typeof n === 'number'))
        ? (v as string | number[])
        : v && typeof (v as { base64?: unknown }).base64 === 'string'
          ? new Uint8Array(Buffer.from((v as { base64: string }).base64, 'base64'))
          : undefined;
    if (values !== undefined)
      entries.push({ tag: e.tag, type: e.type as TiffEntry['type'], values });
  }
  return entries;
}
