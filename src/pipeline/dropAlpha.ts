import type { RowBand } from '../types.js';

/** The band without its last (alpha) channel. */
export function dropAlpha(band: RowBand): RowBand {
  const c = band.channels;
  const out = new Uint8Array(band.width * band.height * (c - 1));
  for (let i = 0, o = 0; i < band.data.length; i += c) {
    for (let ch = 0; ch < c - 1; ch++) out[o++] = band.data[i + ch] as number;
  }
  return { ...band, channels: c - 1, data: out };
}

/** Whether every pixel of the band is fully opaque (the band's last channel is alpha). */
export function isOpaque(band: RowBand): boolean {
  const c = band.channels;
  for (let i = c - 1; i < band.data.length; i += c) if (band.data[i] !== 255) return false;
  return true;
}

/** Drops the last channel of `count` packed colours. */
export function dropLastChannel(colors: Uint8Array, count: number, channels: number): Uint8Array {
  const out = new Uint8Array(count * (channels - 1));
  for (let i = 0, o = 0; i < count; i++) {
    for (let ch = 0; ch < channels - 1; ch++) out[o++] = colors[i * channels + ch] as number;
  }
  return out;
}
