import type { RowBand } from '../../src/types.js';

/** A one-row band of the given pixel values (`channels` per pixel). */
export function oneRowBand(channels: number, data: number[]): RowBand {
  return { y: 0, height: 1, width: data.length / channels, channels, data: Uint8Array.from(data) };
}
