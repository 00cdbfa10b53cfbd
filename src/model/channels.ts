import type { Palette, RowBand } from '../types.js';

/** Channels per pixel: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
export type Channels = 1 | 2 | 3 | 4;

export function hasAlphaChannel(channels: number): boolean {
  return channels === 2 || channels === 4;
}

function colorChannels(channels: number): 1 | 3 {
  return channels <= 2 ? 1 : 3;
}

export function layout(colors: 1 | 3, alpha: boolean): Channels {
  return (colors + (alpha ? 1 : 0)) as Channels;
}

/**
 * The layout in which a set of images is clustered together: grey only if every image (and every
 * colour that must be kept) is grey, alpha only if some image or kept colour has it and the output
 * can store it.
 */
export function clusterChannels(
  infos: readonly { isGrey: boolean; hasAlpha: boolean }[],
  keepAlpha: boolean,
  keptColors?: Palette,
): Channels {
  const grey =
    infos.every((i) => i.isGrey) && (!keptColors || colorChannels(keptColors.channels) === 1);
  const alpha =
    infos.some((i) => i.hasAlpha) ||
    (keptColors !== undefined && hasAlphaChannel(keptColors.channels));
  return layout(grey ? 1 : 3, keepAlpha && alpha);
}

/**
 * The band in another layout: grey spread to r = g = b, alpha dropped or added as opaque.
 * Colour to grey is never needed (a layout is grey only when every input is) and is refused.
 * The pixels go into `into` when it is big enough: callers that convert band after band reuse
 * one buffer, which spares a fresh allocation (and the kernel's zeroing of its pages) per band.
 */
export function convertBand(band: RowBand, channels: Channels, into?: Uint8Array): RowBand {
  const from = band.channels;
  if (from === channels) return band;
  if (colorChannels(from) > colorChannels(channels))
    throw new Error('cannot convert colour pixels to grey');
  const pixels = band.width * band.height;
  const out =
    into && into.length >= pixels * channels
      ? into.subarray(0, pixels * channels)
      : new Uint8Array(pixels * channels);
  convertPixels(band.data, pixels, from, channels, out);
  return { ...band, channels, data: out };
}

/**
 * A buffer that band after band of conversions reuse, grown only when a conversion needs more:
 * a band already in the wanted layout passes through without touching it.
 */
export class ConversionBuffer {
  private buffer = new Uint8Array(0);

  convert(band: RowBand, channels: Channels): RowBand {
    if (band.channels === channels) return band;
    const bytes = band.width * band.height * channels;
    if (this.buffer.length < bytes) this.buffer = new Uint8Array(bytes);
    return convertBand(band, channels, this.buffer);
  }
}

/**
 * One loop per pair of layouts, with nothing decided per pixel: this runs over every pixel of
 * both passes (an RGBA TIFF written as a palette TIFF drops its alpha here), where a general loop
 * cost a gigapixel image half its run.
 */
function convertPixels(
  src: Uint8Array,
  pixels: number,
  from: number,
  to: number,
  out: Uint8Array,
): void {
  let i = 0;
  let o = 0;
  switch (from * 10 + to) {
    case 43: // drop alpha
      for (let p = 0; p < pixels; p++, i += 4, o += 3) {
        out[o] = src[i] as number;
        out[o + 1] = src[i + 1] as number;
        out[o + 2] = src[i + 2] as number;
      }
      break;
    case 34: // opaque alpha
      for (let p = 0; p < pixels; p++, i += 3, o += 4) {
        out[o] = src[i] as number;
        out[o + 1] = src[i + 1] as number;
        out[o + 2] = src[i + 2] as number;
        out[o + 3] = 255;
      }
      break;
    case 21:
      for (let p = 0; p < pixels; p++, i += 2) out[p] = src[i] as number;
      break;
    case 12:
      for (let p = 0; p < pixels; p++, o += 2) {
        out[o] = src[p] as number;
        out[o + 1] = 255;
      }
      break;
    case 13:
    case 23:
      for (let p = 0; p < pixels; p++, i += from, o += 3) {
        const grey = src[i] as number;
        out[o] = grey;
        out[o + 1] = grey;
        out[o + 2] = grey;
      }
      break;
    case 14:
    case 24:
      for (let p = 0; p < pixels; p++, i += from, o += 4) {
        const grey = src[i] as number;
        out[o] = grey;
        out[o + 1] = grey;
        out[o + 2] = grey;
        out[o + 3] = from === 2 ? (src[i + 1] as number) : 255;
      }
      break;
    default:
      throw new Error(`no conversion from ${from} to ${to} channels`);
  }
}

/** The alpha byte of an RGBA pixel read as one 32-bit word, in this machine's byte order. */
const ALPHA_OF_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0xff000000 : 0xff;

/** Whether every pixel of the band is fully opaque; true for bands without alpha. */
export function isOpaque(band: RowBand): boolean {
  const c = band.channels;
  if (!hasAlphaChannel(c)) return true;
  const { data } = band;
  if (c === 4 && data.byteOffset % 4 === 0) {
    // Four bytes at a time: the alpha bytes, ANDed together, stay 255 only if all of them are.
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
    let all = 0xffffffff;
    for (let i = 0; i < words.length; i++) all &= words[i] as number;
    return (all & ALPHA_OF_WORD) >>> 0 === ALPHA_OF_WORD;
  }
  for (let i = c - 1; i < data.length; i += c) if (data[i] !== 255) return false;
  return true;
}

/**
 * A given palette made fit to apply to an image: a grey palette is spread to RGB for a colour
 * image. Returns the palette (possibly converted) and the layout the image's bands must take.
 */
export function paletteForImage(palette: Palette, imageChannels: number): Palette {
  if (colorChannels(palette.channels) >= colorChannels(imageChannels)) return palette;
  const alpha = hasAlphaChannel(palette.channels);
  const channels = layout(3, alpha);
  const band = convertBand(
    { y: 0, height: 1, width: palette.size, channels: palette.channels, data: palette.colors },
    channels,
  );
  return { size: palette.size, channels, colors: band.data };
}

/** The palette without its alpha channel, for outputs that cannot store transparency. */
export function withoutAlpha(palette: Palette): Palette {
  if (!hasAlphaChannel(palette.channels)) return palette;
  const channels = layout(colorChannels(palette.channels) as 1 | 3, false);
  const band = convertBand(
    { y: 0, height: 1, width: palette.size, channels: palette.channels, data: palette.colors },
    channels,
  );
  return { size: palette.size, channels, colors: band.data };
}

/** Grey + alpha points without their (all opaque) alpha. */
export function dropAlphaOfPoints(
  points: Float64Array,
  count: number,
  channels: number,
): Float64Array {
  const out = new Float64Array(count * (channels - 1));
  for (let i = 0, o = 0; i < count; i++)
    for (let ch = 0; ch < channels - 1; ch++) out[o++] = points[i * channels + ch] as number;
  return out;
}
