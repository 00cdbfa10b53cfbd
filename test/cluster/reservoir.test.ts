import { describe, expect, test } from 'vitest';
import { ReservoirSampler } from '../../src/cluster/ReservoirSampler.js';
import type { RowBand } from '../../src/types.js';

/** A 1-channel image whose pixel i has value floor(i * 256 / pixels): the value tells where it came from. */
function positionBands(width: number, height: number, bandHeight: number): RowBand[] {
  const bands: RowBand[] = [];
  const pixels = width * height;
  for (let y = 0; y < height; y += bandHeight) {
    const rows = Math.min(bandHeight, height - y);
    const data = new Uint8Array(rows * width);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(((y * width + i) * 256) / pixels);
    bands.push({ y, height: rows, width, channels: 1, data });
  }
  return bands;
}

function sampleOf(bands: RowBand[], capacity: number, seed: number): Uint8Array {
  const s = new ReservoirSampler(capacity, 1, seed);
  for (const b of bands) s.offer(b);
  return s.samples.slice(0, s.count);
}

describe('ReservoirSampler', () => {
  test('keeps every pixel when there are fewer than its capacity', () => {
    const s = new ReservoirSampler(1000, 1, 1);
    for (const b of positionBands(10, 10, 3)) s.offer(b);
    expect(s.count).toBe(100);
    expect(s.offered).toBe(100);
  });

  test('the sample depends on the pixels and the seed, not on the band height', () => {
    const a = sampleOf(positionBands(300, 200, 7), 500, 3);
    const b = sampleOf(positionBands(300, 200, 64), 500, 3);
    const c = sampleOf(positionBands(300, 200, 7), 500, 4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  test('is uniform over the stream: every sixteenth of the image gets its share', () => {
    const capacity = 4000;
    const sample = sampleOf(positionBands(1000, 400, 50), capacity, 11);
    const bins = new Array(16).fill(0);
    for (const v of sample) bins[v >> 4]++;
    const expected = capacity / 16;
    let chi2 = 0;
    for (const n of bins) chi2 += (n - expected) ** 2 / expected;
    // 15 degrees of freedom: 37.7 is the 0.1% tail, so a fair sampler fails this 1 run in 1000.
    expect(chi2).toBeLessThan(37.7);
  });
});
