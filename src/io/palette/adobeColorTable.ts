import type { Palette } from '../../types.js';
import { PaletteSyntaxError } from './PaletteSyntaxError.js';
import { paletteFromEntries, rgbaEntries, type RgbaEntry } from './rgbaEntries.js';

const TABLE_BYTES = 768;
const NO_TRANSPARENT = 0xffff;

/**
 * Adobe's `.act`: 256 RGB triplets, then (Photoshop CS2 on) the count of colours used and the
 * index of the one transparent entry, both 16-bit big-endian. At most 256 colours; of alpha it
 * keeps one fully transparent entry.
 */
export function encodeAdobeColorTable(palette: Palette): Uint8Array {
  const bytes = new Uint8Array(TABLE_BYTES + 4);
  const entries = rgbaEntries(palette);
  entries.forEach((e, i) => bytes.set([e.r, e.g, e.b], i * 3));
  const transparent = entries.findIndex((e) => e.a === 0);
  const view = new DataView(bytes.buffer);
  view.setUint16(TABLE_BYTES, entries.length);
  view.setUint16(TABLE_BYTES + 2, transparent < 0 ? NO_TRANSPARENT : transparent);
  return bytes;
}

export function decodeAdobeColorTable(bytes: Uint8Array): Palette {
  if (bytes.length !== TABLE_BYTES && bytes.length !== TABLE_BYTES + 4)
    throw new PaletteSyntaxError(
      `an .act file is ${TABLE_BYTES} or ${TABLE_BYTES + 4} bytes, this one ${bytes.length}`,
    );
  let count = 256;
  let transparent = NO_TRANSPARENT;
  if (bytes.length > TABLE_BYTES) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    count = view.getUint16(TABLE_BYTES);
    transparent = view.getUint16(TABLE_BYTES + 2);
    if (count < 1 || count > 256)
      throw new PaletteSyntaxError(`colour count ${count} is outside 1-256`);
  }
  const entries: RgbaEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      r: bytes[i * 3] as number,
      g: bytes[i * 3 + 1] as number,
      b: bytes[i * 3 + 2] as number,
      a: i === transparent ? 0 : 255,
    });
  }
  return paletteFromEntries(entries);
}
