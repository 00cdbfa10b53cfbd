import { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from './quantizeOptions.js';
import type { ImageDigestBuilder } from './ImageDigestBuilder.js';
import type { IndexWriter, Palette, RowBand } from '../types.js';
import { hasPartialAlpha, markNodata, type NodataRule } from '../model/nodata.js';
import { fittedEntries } from './nodataPlan.js';
import { ConversionBuffer, hasAlphaChannel, isOpaque, type Channels } from '../model/channels.js';
import { FloydSteinbergDitherer } from './FloydSteinbergDitherer.js';

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
  } = {},
): Promise<ApplyResult> {
  const { digest, rows, nodata } = extra;
  const matched = nodata ? fittedEntries(palette) : palette;
  const matcher = new NearestColorMatcher(matched, options.space);
  const { width, height } = source.info;
  const ditherer =
    options.dither > 0
      ? new FloydSteinbergDitherer(palette, width, options.dither, matcher)
      : undefined;
  let nodataPixels = 0;
  let mask = new Uint8Array(0);
  // An alpha channel only the nodata entry needs keeps no translucency of the valid pixels.
  const paletteAlpha = nodata ? hasTranslucentEntry(matched) : hasAlphaChannel(palette.channels);
  let sse = 0;
  let droppedTranslucency = false;
  let rowsDone = 0;
  // One buffer each for the converted pixels and the indices, reused band after band: a writer
  // is done with a band's indices when its write() resolves.
  const conversion = new ConversionBuffer();
  const scratch = new IndexBuffer(palette.size);
  try {
    for await (const raw of readBands(source, { bandHeight, signal: options.signal, rows })) {
      if (!paletteAlpha && !droppedTranslucency && !isOpaque(raw))
        droppedTranslucency = nodata?.rule.transparent ? hasPartialAlpha(raw) : true;
      const band = conversion.convert(raw, palette.channels as Channels);
      const pixels = band.width * band.height;
      const indices = scratch.indices(pixels);
      let marked = 0;
      if (nodata) {
        if (mask.length < pixels) mask = new Uint8Array(pixels);
        marked = markNodata(raw, nodata.rule, mask);
        nodataPixels += marked;
      }
      const masked = marked > 0 ? { mask, index: (nodata as { index: number }).index } : undefined;
      if (ditherer) sse += ditherer.process(band, indices, masked);
      else {
        sse += matcher.assign(band.data, pixels, indices);
        if (masked) sse -= takeNodata(band, indices, palette, masked);
      }
      digest?.add(band, indices);
      await writer.write({ y: band.y, height: band.height, width: band.width, indices });
      rowsDone += band.height;
      options.onProgress?.({
        phase: 'apply',
        rowsDone,
        rows: rows ? rows.to - rows.from : height,
      });
    }
  } finally {
    matcher.release();
  }
  return { sse, droppedTranslucency, nodataPixels };
}

/**
 * Gives the marked pixels the nodata index, and returns the error the matcher had counted for
 * them (against the entries it had chosen), which the caller takes back out of its sum.
 */
function takeNodata(
  band: RowBand,
  indices: Uint8Array | Uint16Array,
  palette: Palette,
  { mask, index }: { mask: Uint8Array; index: number },
): number {
  const c = band.channels;
  const pc = palette.channels;
  let sse = 0;
  for (let i = 0; i < indices.length; i++) {
    if (!mask[i]) continue;
    const e = (indices[i] as number) * pc;
    for (let ch = 0; ch < c; ch++) {
      const d = (band.data[i * c + ch] as number) - (palette.colors[e + ch] as number);
      sse += d * d;
    }
    indices[i] = index;
  }
  return sse;
}

/** The index buffer of pass 2, grown to the largest band seen. */
class IndexBuffer {
  private index: Uint8Array | Uint16Array;

  constructor(private readonly paletteSize: number) {
    this.index = paletteSize <= 256 ? new Uint8Array(0) : new Uint16Array(0);
  }

  indices(pixels: number): Uint8Array | Uint16Array {
    if (this.index.length < pixels)
      this.index = this.paletteSize <= 256 ? new Uint8Array(pixels) : new Uint16Array(pixels);
    return this.index.subarray(0, pixels);
  }
}

function hasTranslucentEntry(palette: Palette): boolean {
  if (!hasAlphaChannel(palette.channels)) return false;
  for (let i = palette.channels - 1; i < palette.colors.length; i += palette.channels)
    if (palette.colors[i] !== 255) return true;
  return false;
}
