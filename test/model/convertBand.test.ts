import { expect, test } from 'vitest';
import { convertBand, isOpaque, type Channels } from '../../src/model/channels.js';

/** What each conversion means, pixel by pixel: the rule the fast loops must keep. */
function reference(src: Uint8Array, pixels: number, from: number, to: number): Uint8Array {
  const out = new Uint8Array(pixels * to);
  const colorsFrom = from <= 2 ? 1 : 3;
  const colorsTo = to <= 2 ? 1 : 3;
  for (let p = 0; p < pixels; p++) {
    const px = src.subarray(p * from, (p + 1) * from);
    const colors =
      colorsFrom === colorsTo ? Array.from(px.subarray(0, colorsTo)) : [px[0]!, px[0]!, px[0]!];
    const alpha = from === 2 || from === 4 ? px[from - 1]! : 255;
    out.set(to === 2 || to === 4 ? [...colors, alpha] : colors, p * to);
  }
  return out;
}

test('every conversion gigaquant makes equals the pixel-by-pixel rule', () => {
  const pixels = 37;
  for (const from of [1, 2, 3, 4] as Channels[]) {
    const src = Uint8Array.from({ length: pixels * from }, (_, i) => (i * 97 + 13) & 255);
    for (const to of [1, 2, 3, 4] as Channels[]) {
      if ((from > 2 && to <= 2) || from === to) continue;
      const band = convertBand({ y: 0, height: 1, width: pixels, channels: from, data: src }, to);
      expect(band.channels).toBe(to);
      expect(Array.from(band.data), `${from} -> ${to}`).toEqual(
        Array.from(reference(src, pixels, from, to)),
      );
    }
  }
});

test('isOpaque finds one translucent pixel anywhere, aligned or not', () => {
  for (const c of [2, 4] as Channels[]) {
    for (const offset of [0, 1, 4]) {
      const pixels = 101;
      const buffer = new Uint8Array(offset + pixels * c).fill(255);
      const data = buffer.subarray(offset);
      const band = { y: 0, height: 1, width: pixels, channels: c, data };
      expect(isOpaque(band)).toBe(true);
      for (const at of [0, 50, pixels - 1]) {
        data[at * c + c - 1] = 254;
        expect(isOpaque(band), `${c} channels, offset ${offset}, pixel ${at}`).toBe(false);
        data[at * c + c - 1] = 255;
        // A colour byte below 255 is not transparency.
        data[at * c] = 0;
        expect(isOpaque(band)).toBe(true);
        data[at * c] = 255;
      }
    }
  }
});
