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
 * The layout in which a set of images is clustered together: grey only if every image is grey,
 * alpha only if some image has it and the output can store it.
 */
export function clusterChannels(
  infos: readonly { isGrey: boolean; hasAlpha: boolean }[],
  keepAlpha: boolean,
): Channels {
  const grey = infos.every((i) => i.isGrey);
  return layout(grey ? 1 : 3, keepAlpha && infos.some((i) => i.hasAlpha));
}

/**
 * The band in another layout: grey spread to r = g = b, alpha dropped or added as opaque.
 * Colour to grey is never needed (a layout is grey only when every input is) and is refused.
 */
export function convertBand(band: RowBand, channels: Channels): RowBand {
  const from = band.channels;
  if (from === channels) return band;
  const fromColors = colorChannels(from);
  const toColors = colorChannels(channels);
  if (fromColors > toColors) throw new Error('cannot convert colour pixels to grey');
  const fromAlpha = hasAlphaChannel(from);
  const toAlpha = hasAlphaChannel(channels);
  const pixels = band.width * band.height;
  const src = band.data;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += from) {
    if (fromColors === toColors) {
      for (let ch = 0; ch < toColors; ch++) out[o++] = src[i + ch] as number;
    } else {
      const grey = src[i] as number;
      out[o++] = grey;
      out[o++] = grey;
      out[o++] = grey;
    }
    if (toAlpha) out[o++] = fromAlpha ? (src[i + from - 1] as number) : 255;
  }
  return { ...band, channels, data: out };
}

/** Whether every pixel of the band is fully opaque; true for bands without alpha. */
export function isOpaque(band: RowBand): boolean {
  const c = band.channels;
  if (!hasAlphaChannel(c)) return true;
  for (let i = c - 1; i < band.data.length; i += c) if (band.data[i] !== 255) return false;
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
