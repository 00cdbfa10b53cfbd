import { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from './quantizeOptions.js';
import type { ImageDigestBuilder } from './ImageDigestBuilder.js';
import type { IndexWriter, Palette } from '../types.js';
import { ConversionBuffer, hasAlphaChannel, isOpaque, type Channels } from '../model/channels.js';
import { FloydSteinbergDitherer } from './FloydSteinbergDitherer.js';

export interface ApplyResult {
  /** Exact sum of squared errors over every pixel and channel compared. */
  sse: number;
  /** True when alpha that was not opaque had to be dropped (the palette has none). */
  droppedTranslucency: boolean;
}

/**
 * Pass 2: maps every pixel to its nearest palette entry, band by band, into `writer`. The error
 * sum is of integers, so it is exact whatever the band height, and parts' sums add up to the
 * whole's.
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
  } = {},
): Promise<ApplyResult> {
  const { digest, rows } = extra;
  const matcher = new NearestColorMatcher(palette, options.space);
  const { width, height } = source.info;
  const ditherer =
    options.dither > 0
      ? new FloydSteinbergDitherer(palette, width, options.dither, matcher)
      : undefined;
  const paletteAlpha = hasAlphaChannel(palette.channels);
  let sse = 0;
  let droppedTranslucency = false;
  let rowsDone = 0;
  // One buffer each for the converted pixels and the indices, reused band after band: a writer
  // is done with a band's indices when its write() resolves.
  const conversion = new ConversionBuffer();
  const scratch = new IndexBuffer(palette.size);
  try {
    for await (const raw of readBands(source, { bandHeight, signal: options.signal, rows })) {
      if (!paletteAlpha && !droppedTranslucency && !isOpaque(raw)) droppedTranslucency = true;
      const band = conversion.convert(raw, palette.channels as Channels);
      const pixels = band.width * band.height;
      const indices = scratch.indices(pixels);
      sse += ditherer
        ? ditherer.process(band, indices)
        : matcher.assign(band.data, pixels, indices);
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
  return { sse, droppedTranslucency };
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
