import { usageError } from '../errors.js';
import { TagType } from '../io/tiff/ifd.js';
import type { ImageMetadata } from '../io/imageMetadata.js';
import { hasAlphaChannel, layout } from '../model/channels.js';
import type { NodataRule } from '../model/nodata.js';
import type { Palette } from '../types.js';

/** --nodata: from the input (its GDAL nodata tag, and transparency), none, or a value. */
export type NodataSetting = 'auto' | 'none' | number;

/** GDAL's nodata tag: the value as ASCII. */
export const GDAL_NODATA = 42113;

/** The nodata rule of one input, and what to say about a declared value that cannot apply. */
export function nodataRuleFor(
  setting: NodataSetting,
  metadata: ImageMetadata,
  info: { hasAlpha: boolean },
): { rule: NodataRule | undefined; warning?: string } {
  if (setting === 'none') return { rule: undefined };
  if (typeof setting === 'number') return { rule: { value: setting, transparent: false } };
  const tag = metadata.geoTags.find((t) => t.tag === GDAL_NODATA);
  const text = typeof tag?.values === 'string' ? tag.values.trim() : undefined;
  const declared = text === undefined ? undefined : Number(text);
  const map = metadata.colorMap;
  // A sample value of 8 bits, or an index of an indexed TIFF's colour map.
  const usable =
    declared !== undefined &&
    Number.isInteger(declared) &&
    declared >= 0 &&
    (map ? declared * 3 < map.length : declared <= 255);
  // An indexed TIFF's nodata is an index: its pixels decode to that entry's colour.
  const color =
    usable && map && declared * 3 + 3 <= map.length
      ? Array.from(map.subarray(declared * 3, declared * 3 + 3))
      : undefined;
  const rule: NodataRule | undefined =
    usable || info.hasAlpha
      ? { value: usable ? declared : undefined, color, transparent: info.hasAlpha }
      : undefined;
  const warning =
    text !== undefined && !usable
      ? `the input's GDAL nodata value "${text}" cannot occur in 8-bit pixels: not carried to the output`
      : undefined;
  return { rule, warning };
}

/**
 * The output palette: the fitted entries, then one reserved for nodata (so its index is the
 * number of fitted entries). Its colour is the nodata value in every channel (0 for transparency),
 * fully transparent where the output holds alpha and the nodata came from transparency. With
 * `byColor` (an RGB output, where only the colour tells nodata apart), a fitted entry of the very
 * same colour is moved by one level in its first channel, so no valid pixel reads as nodata;
 * palette and label outputs tell it by the index, and keep every fitted colour as it is.
 */
export function withNodataEntry(
  fitted: Palette,
  rule: NodataRule,
  transparent: boolean,
  byColor: boolean,
): { palette: Palette; index: number } {
  const alpha = hasAlphaChannel(fitted.channels) || transparent;
  const colorChannels = fitted.channels <= 2 ? 1 : 3;
  const channels = layout(colorChannels, alpha);
  const value = reservedValue(rule);
  const reserved = new Uint8Array(channels).fill(value);
  if (alpha) reserved[channels - 1] = transparent ? 0 : 255;
  const colors = new Uint8Array((fitted.size + 1) * channels);
  for (let i = 0; i < fitted.size; i++) {
    const from = fitted.colors.subarray(i * fitted.channels, (i + 1) * fitted.channels);
    const entry = colors.subarray(i * channels, (i + 1) * channels);
    entry.set(from.subarray(0, colorChannels));
    if (alpha)
      entry[channels - 1] = hasAlphaChannel(fitted.channels)
        ? (from[from.length - 1] as number)
        : 255;
    if (byColor && entry.every((v, ch) => v === reserved[ch]))
      entry[0] = value < 255 ? value + 1 : value - 1;
  }
  colors.set(reserved, fitted.size * channels);
  return { palette: { size: fitted.size + 1, channels, colors }, index: fitted.size };
}

/** The fitted entries alone: the palette without its last (nodata) entry. */
export function fittedEntries(palette: Palette): Palette {
  return {
    size: palette.size - 1,
    channels: palette.channels,
    colors: palette.colors.subarray(0, (palette.size - 1) * palette.channels),
  };
}

/**
 * The metadata an output carries: GDAL's nodata tag names `tagValue` (the reserved index for
 * palette and label outputs, the nodata colour's value for RGB), or is left out when there is none.
 */
export function metadataWithNodata(
  metadata: ImageMetadata,
  tagValue: number | undefined,
  index: number | undefined,
): ImageMetadata {
  const geoTags = metadata.geoTags.filter((t) => t.tag !== GDAL_NODATA);
  if (tagValue !== undefined)
    geoTags.push({ tag: GDAL_NODATA, type: TagType.ASCII, values: String(tagValue) });
  return { ...metadata, geoTags, nodataIndex: index };
}

/** The palette, nodata entry and metadata of one output. */
export interface NodataOutput {
  palette: Palette;
  /** Set when nodata pixels are written, as this entry. */
  nodata: { rule: NodataRule; index: number } | undefined;
  metadata: ImageMetadata;
  /**
   * The channels the error is measured over: the palette's, less an alpha channel that only the
   * nodata entry needs (every valid pixel is opaque, and matches it exactly).
   */
  comparedChannels: number;
}

/**
 * Decides an output's nodata entry: reserved when the input declares a nodata value, or when
 * pass 1 found nodata pixels (`found`; undefined when a given palette skipped pass 1, then
 * transparency alone reserves it).
 */
export function nodataOutput(
  fitted: Palette,
  rule: NodataRule | undefined,
  found: number | undefined,
  output: { kind: 'palette' | 'labels' | 'rgb'; carriesAlpha: boolean; maxColors: number },
  metadata: ImageMetadata,
): NodataOutput {
  const reserve =
    rule !== undefined &&
    (rule.value !== undefined || (found === undefined ? rule.transparent : found > 0));
  if (!reserve || !rule)
    return {
      palette: fitted,
      nodata: undefined,
      metadata: metadataWithNodata(metadata, undefined, undefined),
      comparedChannels: fitted.channels,
    };
  if (fitted.size + 1 > output.maxColors)
    throw usageError(
      `the palette's ${fitted.size} colours fill the output: no entry is left for nodata (--nodata none treats nodata as colour)`,
    );
  // An image that is nodata everywhere still gets one (unused) colour entry before the reserved one.
  const colors =
    fitted.size > 0
      ? fitted
      : {
          size: 1,
          channels: fitted.channels,
          colors: new Uint8Array(fitted.channels).fill(reservedValue(rule)),
        };
  const { palette, index } = withNodataEntry(
    colors,
    rule,
    rule.transparent && output.carriesAlpha,
    output.kind === 'rgb',
  );
  const tagValue = nodataTagValue(output.kind, rule, index);
  return {
    palette,
    nodata: { rule, index },
    metadata: metadataWithNodata(metadata, tagValue, index),
    comparedChannels: hasAlphaChannel(colors.channels)
      ? palette.channels
      : palette.channels <= 2
        ? 1
        : 3,
  };
}

/** What GDAL's nodata tag says: the entry's index in palette and label outputs, its value in RGB. */
export function nodataTagValue(
  kind: 'palette' | 'labels' | 'rgb',
  rule: NodataRule,
  index: number,
): number {
  return kind === 'rgb' ? reservedValue(rule) : index;
}

/** The value the nodata entry has in every channel: the declared one where 8 bits hold it, else 0. */
function reservedValue(rule: NodataRule): number {
  return rule.value !== undefined && rule.value <= 255 ? rule.value : 0;
}
