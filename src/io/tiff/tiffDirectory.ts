import { paletteRgba } from '../../model/palette.js';
import type { Palette } from '../../types.js';
import type { ImageMetadata } from '../imageMetadata.js';
import { bytesPerPixel, type PixelLayout } from '../sampleLayout.js';
import { buildIfd, colorMap, header, rational, TagType, type TiffEntry } from './ifd.js';

/** What a TIFF's directory says of its pixels: the parts of the writer's options it needs. */
export interface TiffImageOptions {
  width: number;
  height: number;
  /** Indices (with `palette`: an indexed TIFF; without: a grey label image) or colours. */
  layout: PixelLayout;
  /** Written as the ColorMap when the layout stores indices. */
  palette?: Palette;
  /**
   * Indices stored in 1, 2 or 4 bits (most significant first, each row starting on a byte), for
   * palettes of up to 2, 4 or 16 entries: TIFF allows it, and it halves a 16-colour file or better.
   */
  packedBits?: 1 | 2 | 4;
  /** 'auto' switches to BigTIFF when the file could pass 4 GiB. */
  bigtiff: boolean | 'auto';
  /** Square tiles of this many pixels a side (a multiple of 16); strips when absent. */
  tile?: number;
  software: string;
  metadata?: ImageMetadata;
  /** A reduced-resolution level of a pyramid (NewSubfileType 1). */
  reduced?: boolean;
}

/** Uncompressed bytes per strip: big enough for deflate to do well, small enough to stay bounded. */
const STRIP_TARGET_BYTES = 256 * 1024;
const FOUR_GIB = 2 ** 32;
const PHOTOMETRIC = { greyBlackIsZero: 1, rgb: 2, palette: 3 } as const;
const EXTRA_SAMPLE_UNASSOCIATED_ALPHA = 2;

/**
 * Rows per chunk: a tile's height, or the rows of one strip. A chunk is the unit that is
 * compressed on its own, so an image split at chunk boundaries can be written in parts and
 * joined by copying.
 */
export function tiffChunkRows(options: TiffImageOptions): number {
  const rowBytes = Math.ceil((options.width * storedBits(options)) / 8);
  return (
    options.tile ?? Math.max(1, Math.min(options.height, Math.floor(STRIP_TARGET_BYTES / rowBytes)))
  );
}

/** Whether the file is written as BigTIFF (decided by the size alone, before any pixel). */
export function isBigTiff(options: TiffImageOptions): boolean {
  return options.bigtiff === 'auto'
    ? mayPassFourGiB(options.width, options.height, storedBits(options) / 8, options.tile)
    : options.bigtiff;
}

/** Bits per pixel as the file stores them. */
export function storedBits(options: TiffImageOptions): number {
  return options.packedBits ?? bytesPerPixel(options.layout) * 8;
}

/**
 * The directory for chunks already written (`offsets`, `byteCounts`) and the header pointing at
 * it; the directory goes at `end`, the first even offset after the chunks.
 */
export function tiffDirectory(
  options: TiffImageOptions,
  chunks: {
    bigtiff: boolean;
    rowsPerChunk: number;
    offsets: readonly number[];
    byteCounts: readonly number[];
    end: number;
    /** Where the directory goes, when not after the chunks (a pyramid's IFDs come first). */
    ifdAt?: number;
  },
): { ifd: { at: number; bytes: Buffer }; head: Buffer } {
  const { width, height, software, tile } = options;
  const { bigtiff } = chunks;
  const ifdAt = chunks.ifdAt ?? chunks.end + (chunks.end % 2);
  const offsetType = bigtiff ? TagType.LONG8 : TagType.LONG;
  const entries: TiffEntry[] = [
    ...(options.reduced ? [{ tag: 254, type: TagType.LONG, values: [1] }] : []),
    { tag: 256, type: TagType.LONG, values: [width] },
    { tag: 257, type: TagType.LONG, values: [height] },
    { tag: 259, type: TagType.SHORT, values: [8] }, // Adobe deflate
    { tag: 284, type: TagType.SHORT, values: [1] }, // chunky
    { tag: 305, type: TagType.ASCII, values: software },
    ...sampleEntries(options),
    ...(tile === undefined
      ? [
          { tag: 273, type: offsetType, values: chunks.offsets },
          { tag: 278, type: TagType.LONG, values: [chunks.rowsPerChunk] },
          { tag: 279, type: offsetType, values: chunks.byteCounts },
        ]
      : [
          { tag: 322, type: TagType.LONG, values: [tile] },
          { tag: 323, type: TagType.LONG, values: [tile] },
          { tag: 324, type: offsetType, values: chunks.offsets },
          { tag: 325, type: offsetType, values: chunks.byteCounts },
        ]),
    ...metadataEntries(options.metadata),
  ];
  const ifd = buildIfd(entries, ifdAt, bigtiff);
  if (!bigtiff && ifdAt + ifd.length > FOUR_GIB) {
    throw new Error('TIFF passed 4 GiB without BigTIFF; write it again with bigtiff enabled');
  }
  return { ifd: { at: ifdAt, bytes: ifd }, head: header(bigtiff, ifdAt) };
}

/** BitsPerSample, Photometric, SamplesPerPixel, ExtraSamples and ColorMap for the layout. */
function sampleEntries(options: TiffImageOptions): TiffEntry[] {
  const { layout, palette } = options;
  if (layout.kind === 'index') {
    const bits = options.packedBits ?? layout.bits;
    const entries: TiffEntry[] = [
      { tag: 258, type: TagType.SHORT, values: [bits] },
      { tag: 277, type: TagType.SHORT, values: [1] },
    ];
    if (!palette)
      return [...entries, { tag: 262, type: TagType.SHORT, values: [PHOTOMETRIC.greyBlackIsZero] }];
    return [
      ...entries,
      { tag: 262, type: TagType.SHORT, values: [PHOTOMETRIC.palette] },
      { tag: 320, type: TagType.SHORT, values: colorMap(paletteRgba(palette).rgb, bits) },
    ];
  }
  const { channels } = layout;
  const colorChannels = channels <= 2 ? 1 : 3;
  const entries: TiffEntry[] = [
    { tag: 258, type: TagType.SHORT, values: new Array<number>(channels).fill(8) },
    {
      tag: 262,
      type: TagType.SHORT,
      values: [colorChannels === 1 ? PHOTOMETRIC.greyBlackIsZero : PHOTOMETRIC.rgb],
    },
    { tag: 277, type: TagType.SHORT, values: [channels] },
  ];
  if (channels > colorChannels)
    entries.push({ tag: 338, type: TagType.SHORT, values: [EXTRA_SAMPLE_UNASSOCIATED_ALPHA] });
  return entries;
}

/** ICC profile, resolution and the GeoTIFF tags of the input. */
function metadataEntries(metadata: ImageMetadata | undefined): TiffEntry[] {
  if (!metadata) return [];
  const entries: TiffEntry[] = [...metadata.geoTags];
  if (metadata.icc) entries.push({ tag: 34675, type: TagType.UNDEFINED, values: metadata.icc });
  if (metadata.resolution) {
    const { x, y, unit } = metadata.resolution;
    entries.push(
      { tag: 282, type: TagType.RATIONAL, values: rational(x) },
      { tag: 283, type: TagType.RATIONAL, values: rational(y) },
      { tag: 296, type: TagType.SHORT, values: [unit === 'cm' ? 3 : 2] },
    );
  }
  return entries;
}

/**
 * Whether a TIFF of this size could pass the 4 GiB that classic TIFF offsets can address, even if
 * deflate does not compress it at all (it can expand incompressible data slightly), counting the
 * zero padding of edge tiles.
 */
export function mayPassFourGiB(
  width: number,
  height: number,
  bytesPerPixel: number,
  tile?: number,
): boolean {
  const padded = (n: number) => (tile ? Math.ceil(n / tile) * tile : n);
  const raw = padded(width) * padded(height) * bytesPerPixel;
  const worstCase = raw * 1.01 + height * 16 + 16 * 1024 * 1024 + 3 * 65536 * 2;
  return worstCase >= FOUR_GIB;
}
