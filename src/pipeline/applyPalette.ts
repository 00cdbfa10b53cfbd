import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from './quantizeOptions.js';
import type { ImageDigestBuilder } from './ImageDigestBuilder.js';
import type { IndexWriter, Palette } from '../types.js';
import { hasPartialAlpha, type NodataRule } from '../model/nodata.js';
import { fittedEntries } from './nodataPlan.js';
import { hasAlphaChannel, isOpaque } from '../model/channels.js';
import { BandMapper } from './BandMapper.js';
import type { CountedColours } from '../cluster/ColorHistogram.js';
import { releaseFitMemory } from '../runtime/releaseFitMemory.js';
import { applyByRegions, regionsFor, type Regions } from './applyByRegions.js';
import { regionsIntoRows } from './regionsIntoRows.js';
import { blockRegion } from '../io/readTileBlocks.js';

export interface ApplyResult {
  /** Exact sum of squared errors over every pixel and channel compared. */
  sse: number;
  /** True when alpha that was not opaque had to be dropped (the palette has none). */
  droppedTranslucency: boolean;
  /** Pixels written as nodata (left out of `sse`). */
  nodataPixels: number;
}

/**
 * Pass 2: maps every pixel to its nearest palette entry, band by band, into `writer`. The error
 * sum is of integers, so it is exact whatever the band height, and parts' sums add up to the
 * whole's. With `nodata`, the pixels its rule marks get its index (the palette's last entry,
 * which no other pixel gets), add no error, and neither take nor pass on dithering error.
 */
export async function applyPalette(
  source: ImageSource,
  palette: Palette,
  writer: IndexWriter,
  options: ResolvedOptions,
  bandHeight: number,
  extra: {
    /** Sees every band too (for the report). */
    digest?: ImageDigestBuilder;
    /** Only these rows (a split image's part): `writer` gets them alone. */
    rows?: { from: number; to: number };
    nodata?: { rule: NodataRule; index: number };
    /** Pass 1's counts of the colour of every pixel mapped here: learned at once, then released. */
    counts?: CountedColours;
  } = {},
): Promise<ApplyResult> {
  const { digest, rows, nodata } = extra;
  const { width, height } = source.info;
  const mapper = new BandMapper(palette, {
    space: options.space,
    dither: { strength: options.dither, width },
    nodata,
    pixels: width * (rows ? rows.to - rows.from : height),
  });
  // An alpha channel only the nodata entry needs keeps no translucency of the valid pixels.
  const paletteAlpha = nodata
    ? hasTranslucentEntry(fittedEntries(palette))
    : hasAlphaChannel(palette.channels);
  let sse = learnCounts(mapper, extra.counts);
  let nodataPixels = 0;
  let droppedTranslucency = false;
  let rowsDone = 0;
  const onRows = (done: number): void => {
    rowsDone += done;
    options.onProgress?.({ phase: 'apply', rowsDone, rows: rows ? rows.to - rows.from : height });
  };
  const byRegions = regionsToMap(source, writer, options, extra);
  try {
    if (byRegions) {
      const { signal } = options;
      const { regions, into } = byRegions;
      const applied = await applyByRegions(regions, mapper, into, { signal, onRows });
      // A tiled TIFF decoded here is RGB: no translucency to drop.
      return { ...applied, sse: sse + applied.sse, droppedTranslucency };
    }
    for await (const raw of readBands(source, {
      bandHeight,
      signal: options.signal,
      rows,
      reuseBuffers: true,
    })) {
      if (!paletteAlpha && !droppedTranslucency && !isOpaque(raw))
        droppedTranslucency = nodata?.rule.transparent ? hasPartialAlpha(raw) : true;
      // The mapper's buffers are reused: a writer is done with a band's indices when write() resolves.
      const mapped = mapper.map(raw);
      sse += mapped.sse;
      nodataPixels += mapped.nodataPixels;
      digest?.add(mapped.band, mapped.indices);
      const { band, indices } = mapped;
      await writer.write({ y: band.y, height: band.height, width: band.width, indices });
      onRows(band.height);
    }
  } finally {
    mapper.release();
  }
  return { sse, droppedTranslucency, nodataPixels };
}

/**
 * The regions to map in, where the input is a tiled TIFF decoded here, and where they go: whole
 * tiles of a writer that takes regions, or else rows of tiles gathered for a writer of rows.
 * Undefined where pass 2 must go row by row: dithering carries error along rows, the report's
 * digest samples rows, and a split image's part is written as rows.
 */
function regionsToMap(
  source: ImageSource,
  writer: IndexWriter,
  options: ResolvedOptions,
  extra: { digest?: ImageDigestBuilder; rows?: { from: number; to: number } },
): { regions: Regions; into: Required<Pick<IndexWriter, 'writeRegion'>> } | undefined {
  const layout = source.tiles;
  if (!layout || options.dither > 0 || extra.digest || extra.rows) return undefined;
  const tile = writer.regionTile;
  const tiles = tile !== undefined && writer.writeRegion && regionsFor(layout, tile);
  if (tiles) return { regions: tiles, into: writer as Required<IndexWriter> };
  return {
    regions: { layout, shape: blockRegion(layout) },
    into: regionsIntoRows(writer, layout.width),
  };
}

/**
 * Pass 1's counts learned by the mapper, where it can: the error of every pixel they counted (0
 * when it learned nothing). The counts are let go either way, their 64 MiB collected before pass 2
 * allocates.
 */
function learnCounts(mapper: BandMapper, counts: CountedColours | undefined): number {
  if (!counts) return 0;
  try {
    return mapper.learn(counts) ?? 0;
  } finally {
    counts.release();
    releaseFitMemory();
  }
}

function hasTranslucentEntry(palette: Palette): boolean {
  if (!hasAlphaChannel(palette.channels)) return false;
  for (let i = palette.channels - 1; i < palette.colors.length; i += palette.channels)
    if (palette.colors[i] !== 255) return true;
  return false;
}
