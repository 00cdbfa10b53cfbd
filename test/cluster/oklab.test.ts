import { describe, expect, test } from 'vitest';
import { oklabToSrgb, srgbToOklab } from '../../src/cluster/oklab.js';

describe('OKLab', () => {
  test.each([
    [255, 255, 255, [1, 0, 0]],
    [0, 0, 0, [0, 0, 0]],
    // Reference values from Ottosson's post for sRGB red, green and blue.
    [255, 0, 0, [0.62796, 0.22486, 0.12585]],
    [0, 255, 0, [0.86644, -0.23389, 0.1795]],
    [0, 0, 255, [0.45201, -0.03246, -0.31153]],
  ])('sRGB %i %i %i is OKLab %j', (r, g, b, lab) => {
    const out = new Float64Array(3);
    srgbToOklab(r, g, b, out, 0);
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(lab[i] as number, 4);
  });

  test('every 8-bit colour on a 5-level grid (and all greys) round-trips exactly', () => {
    const out = new Float64Array(3);
    const levels = [0, 1, 37, 128, 200, 254, 255];
    const colours: number[][] = [];
    for (const r of levels) for (const g of levels) for (const b of levels) colours.push([r, g, b]);
    for (let v = 0; v < 256; v++) colours.push([v, v, v]);
    for (const [r, g, b] of colours as [number, number, number][]) {
      srgbToOklab(r, g, b, out, 0);
      expect(oklabToSrgb(out[0] as number, out[1] as number, out[2] as number)).toEqual([r, g, b]);
    }
  });
});
