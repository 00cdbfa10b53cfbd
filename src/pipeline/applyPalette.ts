import { NearestColorMatcher } from '../cluster/nearest.js';
import type { ImageSource } from '../io/openImage.js';
import { readBands } from '../io/readBands.js';
import type { ResolvedOptions } from '../options.js';
import type { IndexWriter, Palette } from '../types.js';
import { dropAlpha } from './dropAlpha.js';

/**
 * Pass 2: maps every pixel to its nearest palette entry, band by band, into `writer`. Returns the
 * exact sum of squared errors over every pixel and channel (integers, so the sum is exact whatever
 * the band height).
 */
export async function applyPalette(
  source: ImageSource,
  palette: Palette,
  writer: IndexWriter,
  options: ResolvedOptions,
  bandHeight: number,
): Promise<number> {
  const matcher = new NearestColorMatcher(palette);
  const { height } = source.info;
  let sse = 0;
  let rowsDone = 0;
  for await (const raw of readBands(source, { bandHeight, signal: options.signal })) {
    const band = raw.channels > palette.channels ? dropAlpha(raw) : raw;
    const pixels = band.width * band.height;
    const indices = palette.size <= 256 ? new Uint8Array(pixels) : new Uint16Array(pixels);
    sse += matcher.assign(band.data, pixels, indices);
    await writer.write({ y: band.y, height: band.height, width: band.width, indices });
    rowsDone += band.height;
    options.onProgress?.({ phase: 'apply', rowsDone, rows: height });
  }
  return sse;
}
