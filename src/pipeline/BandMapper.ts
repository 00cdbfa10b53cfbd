import { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
import type { CountedColours } from '../cluster/ColorHistogram.js';
import type { ColourLookup } from '../model/colourLookup.js';
import { ConversionBuffer, type Channels } from '../model/channels.js';
import { markNodata, type NodataRule } from '../model/nodata.js';
import type { ColorSpace, Palette, RowBand } from '../types.js';
import { FloydSteinbergDitherer } from './FloydSteinbergDitherer.js';
import { fittedEntries } from './nodataPlan.js';

export interface MappedBand {
  /** The band in the palette's channel layout (valid until the next `map`). */
  band: RowBand;
  /** Its palette indices (valid until the next `map`). */
  indices: Uint8Array | Uint16Array;
  /** Squared error over the pixels that are not nodata (and whose colour was not learned). */
  sse: number;
  /** Pixels given the nodata index. */
  nodataPixels: number;
}

export interface BandMapperOptions {
  space: ColorSpace;
  /** Floyd-Steinberg strength (0: none), over rows `width` pixels wide. */
  dither?: { strength: number; width: number };
  nodata?: { rule: NodataRule; index: number };
  /** How many pixels it will map, where known: a big image's matcher keeps more answers. */
  pixels?: number;
}

/**
 * What pass 2 does to a band: convert it to the palette's channels, mark its nodata pixels, and
 * give every other pixel its nearest (or dithered) entry. One class, so that the report's loupe
 * maps a crop exactly as the pass mapped the same pixels. Buffers are reused band after band.
 */
export class BandMapper {
  private readonly matcher: NearestColorMatcher;
  private readonly ditherer: FloydSteinbergDitherer | undefined;
  private readonly conversion = new ConversionBuffer();
  private mask = new Uint8Array(0);
  private index: Uint8Array | Uint16Array;

  constructor(
    private readonly palette: Palette,
    private readonly options: BandMapperOptions,
  ) {
    const { nodata, dither } = options;
    this.matcher = new NearestColorMatcher(
      nodata ? fittedEntries(palette) : palette,
      options.space,
      options.pixels,
    );
    this.ditherer =
      dither && dither.strength > 0
        ? new FloydSteinbergDitherer(palette, dither.width, dither.strength, this.matcher)
        : undefined;
    this.index = palette.size <= 256 ? new Uint8Array(0) : new Uint16Array(0);
  }

  /**
   * Learns the answers of pass 1's counted colours at once (see NearestColorMatcher.learn), where
   * each pixel gets its nearest entry: returns the error of all those pixels, which `map` then
   * leaves out of each band's. Undefined where nothing was learned.
   */
  learn(counted: CountedColours): number | undefined {
    return this.ditherer || this.options.nodata ? undefined : this.matcher.learn(counted);
  }

  /**
   * After `learn`, its answers for the decode threads, which may then map pixels themselves (they
   * are then every pixel's own: no ditherer, no nodata), with `room` for the threads beside them
   * (see NearestKernel.lookup); valid until `release`.
   */
  learnedLookup(room: { threads: number; bytesEach: number }): ColourLookup | undefined {
    return this.ditherer || this.options.nodata
      ? undefined
      : this.matcher.learnedLookup(room.threads, room.bytesEach);
  }

  map(raw: RowBand): MappedBand {
    const { palette } = this;
    const band = this.conversion.convert(raw, palette.channels as Channels);
    const pixels = band.width * band.height;
    const indices = this.indices(pixels);
    const { nodata } = this.options;
    let marked = 0;
    if (nodata) {
      if (this.mask.length < pixels) this.mask = new Uint8Array(pixels);
      marked = markNodata(raw, nodata.rule, this.mask);
    }
    const masked = nodata && marked > 0 ? { mask: this.mask, index: nodata.index } : undefined;
    let sse: number;
    if (this.ditherer) sse = this.ditherer.process(band, indices, masked);
    else {
      sse = this.matcher.assign(band.data, pixels, indices);
      if (masked) sse -= takeNodata(band, indices, palette, masked);
    }
    return { band, indices, sse, nodataPixels: marked };
  }

  release(): void {
    this.matcher.release();
  }

  private indices(pixels: number): Uint8Array | Uint16Array {
    if (this.index.length < pixels)
      this.index = this.palette.size <= 256 ? new Uint8Array(pixels) : new Uint16Array(pixels);
    return this.index.subarray(0, pixels);
  }
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
