import { describe, expect, test } from 'vitest';
import { NearestColorMatcher } from '../../../src/cluster/nearest/NearestColorMatcher.js';
import { paletteFromColors } from '../../../src/model/palette.js';
import { Rng } from '../../../src/cluster/Rng.js';
import { ColorCountKernel } from '../../../src/cluster/kernels/ColorCountKernel.js';
import type { Palette } from '../../../src/types.js';
import { bruteForceNearest } from '../../helpers/oracle.js';

function randomPalette(size: number, channels: number, rng: Rng): Palette {
  const colors = new Uint8Array(size * channels);
  for (let i = 0; i < colors.length; i++) colors[i] = rng.int(256);
  return { size, channels, colors };
}

/** Random pixels, plus every palette colour, plus midpoints between entries (where ties live). */
function probePixels(palette: Palette, count: number, rng: Rng): Uint8Array {
  const c = palette.channels;
  const out: number[] = [];
  for (let i = 0; i < count; i++) for (let ch = 0; ch < c; ch++) out.push(rng.int(256));
  out.push(...palette.colors);
  for (let i = 0; i + 1 < palette.size; i++) {
    for (let ch = 0; ch < c; ch++) {
      out.push(
        ((palette.colors[i * c + ch] as number) + (palette.colors[(i + 1) * c + ch] as number)) >>
          1,
      );
    }
  }
  // Repeat the lot so that cached answers are checked too.
  return Uint8Array.from([...out, ...out]);
}

/** Pixels of an image big enough for the table of every colour's answer (NearestKernel). */
const BIG_IMAGE = 2 ** 30;

describe('NearestColorMatcher agrees with brute force', () => {
  test.each([
    [1, 1],
    [1, 2],
    [1, 16],
    [2, 7],
    [2, 200],
    [3, 2],
    [3, 64],
    [3, 256],
    [3, 1000],
    [4, 33],
    [4, 256],
  ])('%i channels, %i colours', (channels, size) => {
    const rng = new Rng(channels * 1000 + size);
    const palette = randomPalette(size, channels, rng);
    const pixels = probePixels(palette, 3000, rng);
    const n = pixels.length / channels;
    const out = size <= 256 ? new Uint8Array(n) : new Uint16Array(n);
    const sse = new NearestColorMatcher(palette).assign(pixels, n, out);
    let expectedSse = 0;
    for (let p = 0; p < n; p++) {
      const { index, distance } = bruteForceNearest(palette, pixels, p * channels);
      expect(out[p]).toBe(index);
      expectedSse += distance;
    }
    expect(sse).toBe(expectedSse);
  });

  test.each([2, 64, 255, 256, 257, 1000])(
    "RGB, a big image's matcher (every colour's answer kept): %i colours",
    (size) => {
      const rng = new Rng(7000 + size);
      const palette = randomPalette(size, 3, rng);
      expectBruteForce(palette, probePixels(palette, 3000, rng));
    },
  );

  test('counts are learned only where the kernel keeps every colour, and before any pixel', () => {
    const rng = new Rng(73);
    const counted = { forEachCount: () => undefined, release: () => undefined };
    const rgb = randomPalette(16, 3, rng);
    // A small image's cache, OKLab, grey: nothing learned, and `assign` counts every pixel.
    expect(new NearestColorMatcher(rgb, 'rgb', 1000).learn(counted)).toBeUndefined();
    expect(new NearestColorMatcher(rgb, 'oklab', BIG_IMAGE).learn(counted)).toBeUndefined();
    const grey = randomPalette(16, 1, rng);
    expect(new NearestColorMatcher(grey, 'rgb', BIG_IMAGE).learn(counted)).toBeUndefined();
    const started = new NearestColorMatcher(rgb, 'rgb', BIG_IMAGE);
    started.assign(Uint8Array.of(1, 2, 3), 1, new Uint8Array(1));
    expect(started.learn(counted)).toBeUndefined();
    started.release();
    const fresh = new NearestColorMatcher(rgb, 'rgb', BIG_IMAGE);
    expect(fresh.learn(counted)).toBe(0);
    fresh.release();
  });

  test("RGB, a big image's matcher: indices written 2 bytes wide for a palette of 100", () => {
    const rng = new Rng(71);
    const palette = randomPalette(100, 3, rng);
    const pixels = probePixels(palette, 2000, rng);
    const n = pixels.length / 3;
    const matcher = new NearestColorMatcher(palette, 'rgb', BIG_IMAGE);
    const out = new Uint16Array(n);
    const sse = matcher.assign(pixels, n, out);
    let expectedSse = 0;
    for (let p = 0; p < n; p++) {
      const { index, distance } = bruteForceNearest(palette, pixels, p * 3);
      expect(out[p]).toBe(index);
      expectedSse += distance;
    }
    expect(sse).toBe(expectedSse);
    matcher.release();
  });

  test('equal distances go to the lowest index, as brute force does', () => {
    // 10 sits exactly between 0 and 20; duplicates of 20 exist at indices 1 and 2.
    const palette: Palette = { size: 3, channels: 1, colors: Uint8Array.of(20, 0, 20) };
    const out = new Uint8Array(2);
    new NearestColorMatcher(palette).assign(Uint8Array.of(10, 25), 2, out);
    expect(Array.from(out)).toEqual([0, 0]);
  });

  test('RGB (the WebAssembly path): equal distances go to the lowest index, band after band', () => {
    // Grey 10 sits exactly between 0 and 20; duplicates of 20 at indices 0 and 2.
    const palette: Palette = {
      size: 4,
      channels: 3,
      colors: Uint8Array.of(20, 20, 20, 0, 0, 0, 20, 20, 20, 200, 0, 0),
    };
    const matcher = new NearestColorMatcher(palette);
    const out = new Uint8Array(3);
    for (const [band, expected] of [
      [Uint8Array.of(200, 0, 0, 10, 10, 10, 25, 25, 25), [3, 0, 0]],
      [Uint8Array.of(10, 10, 10, 199, 0, 0, 5, 5, 5), [0, 3, 1]],
    ] as const) {
      const sse = matcher.assign(band, 3, out);
      expect(Array.from(out)).toEqual(expected);
      let expectedSse = 0;
      for (let p = 0; p < 3; p++) expectedSse += bruteForceNearest(palette, band, p * 3).distance;
      expect(sse).toBe(expectedSse);
    }
  });

  test.each([0, BIG_IMAGE])(
    'RGB: a matcher on memory an earlier matcher used answers for its own palette (image of %i pixels)',
    (imagePixels) => {
      // Each matcher hands its kernel memory back, and the next takes it with the answers of the
      // last palette still in it: its cache (or table) must start empty.
      const rng = new Rng(31);
      const pixels = probePixels(randomPalette(64, 3, rng), 4000, rng);
      const n = pixels.length / 3;
      for (let round = 0; round < 3; round++) {
        const palette = randomPalette(32, 3, rng);
        const matcher = new NearestColorMatcher(palette, 'rgb', imagePixels);
        const out = new Uint8Array(n);
        matcher.assign(pixels, n, out);
        matcher.release();
        for (let p = 0; p < n; p++)
          expect(out[p]).toBe(bruteForceNearest(palette, pixels, p * 3).index);
      }
    },
  );

  test('a colour palette of a real fit (sorted, deduplicated) also agrees', () => {
    const rng = new Rng(77);
    const values = Array.from({ length: 128 * 3 }, () => rng.next() * 255);
    const palette = paletteFromColors(values, 3);
    const pixels = probePixels(palette, 5000, rng);
    const n = pixels.length / 3;
    const out = new Uint8Array(n);
    new NearestColorMatcher(palette).assign(pixels, n, out);
    for (let p = 0; p < n; p++)
      expect(out[p]).toBe(bruteForceNearest(palette, pixels, p * 3).index);
  });

  /**
   * Matches `pixels` (RGB) twice, so that cached answers are checked too, against brute force:
   * as a small image's (through the cache) and as a big image's (the table of every colour).
   */
  function expectBruteForce(palette: Palette, pixels: Uint8Array): void {
    for (const imagePixels of [0, BIG_IMAGE]) expectBruteForceAs(palette, pixels, imagePixels);
    expectBruteForceLearned(palette, pixels);
  }

  /**
   * As a big image's whose pass 1 counted its colours: every other colour's count learned first
   * (for both rounds), so that colours not counted are matched too. The error learned and the
   * error of the rounds add up to every pixel's.
   */
  function expectBruteForceLearned(palette: Palette, pixels: Uint8Array): void {
    const n = pixels.length / 3;
    const counts = new Map<number, number>();
    for (let p = 0; p < n; p++) {
      const key =
        (pixels[p * 3] as number) |
        ((pixels[p * 3 + 1] as number) << 8) |
        ((pixels[p * 3 + 2] as number) << 16);
      if (key % 2 === 0) counts.set(key, (counts.get(key) ?? 0) + 2);
    }
    const sorted = [...counts].sort((a, b) => a[0] - b[0]);
    const matcher = new NearestColorMatcher(palette, 'rgb', BIG_IMAGE);
    let sse = matcher.learn({
      forEachCount: (visit) => sorted.forEach(([key, count]) => visit(key, count)),
      release: () => undefined,
    });
    expect(sse).toBeDefined();
    let expectedSse = 0;
    for (let round = 0; round < 2; round++) {
      const out = palette.size <= 256 ? new Uint8Array(n) : new Uint16Array(n);
      sse! += matcher.assign(pixels, n, out);
      expectedSse += expectIndices(palette, pixels, out);
    }
    expect(sse).toBe(expectedSse);
    matcher.release();
  }

  function expectBruteForceAs(palette: Palette, pixels: Uint8Array, imagePixels: number): void {
    const n = pixels.length / 3;
    const matcher = new NearestColorMatcher(palette, 'rgb', imagePixels);
    for (let round = 0; round < 2; round++) {
      const out = palette.size <= 256 ? new Uint8Array(n) : new Uint16Array(n);
      const sse = matcher.assign(pixels, n, out);
      expect(sse).toBe(expectIndices(palette, pixels, out));
    }
    matcher.release();
  }

  /** Checks each RGB pixel's index against brute force; returns brute force's error. */
  function expectIndices(
    palette: Palette,
    pixels: Uint8Array,
    out: Uint8Array | Uint16Array,
  ): number {
    let sse = 0;
    for (let p = 0; p < out.length; p++) {
      const { index, distance } = bruteForceNearest(palette, pixels, p * 3);
      if (out[p] !== index) expect({ pixel: p, index: out[p] }).toEqual({ pixel: p, index });
      sse += distance;
    }
    return sse;
  }

  function randomPixels(count: number, rng: Rng, top = 256): Uint8Array {
    return Uint8Array.from({ length: count * 3 }, () => rng.int(top));
  }

  test('RGB: a palette crowded in one corner, whose far cells list every entry (more than the lists hold)', () => {
    // 1024 entries within 12 of black: from a cell far away every entry is about as far, so each
    // such cell lists all of them, and after 256 cells the lists are full: the rest are searched
    // another way.
    const rng = new Rng(5);
    const palette = randomPalette(1024, 3, rng);
    for (let i = 0; i < palette.colors.length; i++) palette.colors[i] = rng.int(12);
    expectBruteForce(palette, randomPixels(6000, rng));
  });

  test('RGB: a tie at the very edge of what a cell lists', () => {
    // In the cell [0, 7]^3, black is at most 147 from any pixel; (14, 14, 14) is at least 147
    // from any pixel, and exactly 147 from (7, 7, 7), as black is: being first, it wins the tie.
    const palette: Palette = { size: 2, channels: 3, colors: Uint8Array.of(14, 14, 14, 0, 0, 0) };
    expectBruteForce(palette, Uint8Array.of(7, 7, 7, 6, 7, 7, 7, 7, 7));
    const out = new Uint8Array(1);
    expect(new NearestColorMatcher(palette).assign(Uint8Array.of(7, 7, 7), 1, out)).toBe(147);
    expect(out[0]).toBe(0);
  });

  test('RGB: many duplicate entries and pixels on the midpoints between them (ties in a cell)', () => {
    const rng = new Rng(6);
    const base = randomPalette(40, 3, rng);
    const colors = new Uint8Array(120 * 3);
    for (let i = 0; i < 120; i++)
      colors.set(base.colors.subarray((i % 40) * 3, (i % 40) * 3 + 3), i * 3);
    // Shuffled, so that a duplicate's lowest index is not always the first seen.
    for (let i = 119; i > 0; i--) {
      const j = rng.int(i + 1);
      const a = colors.slice(i * 3, i * 3 + 3);
      colors.copyWithin(i * 3, j * 3, j * 3 + 3);
      colors.set(a, j * 3);
    }
    const palette: Palette = { size: 120, channels: 3, colors };
    expectBruteForce(palette, probePixels(palette, 2000, rng));
  });

  test('RGB: a palette searched on memory an earlier kernel filled (guesses start unknown)', () => {
    // A colour count leaves its hash of colours behind when it hands its memory back; the
    // next kernel's guesses, found only when a search first asks, must not take them for
    // entries. 2000 entries: past the lists, every search starts from a guess.
    const rng = new Rng(23);
    const earlier = new ColorCountKernel(1 << 20);
    earlier.add({ data: randomPixels(1 << 17, rng), width: 1 << 17, height: 1, channels: 3 });
    earlier.entries();
    expectBruteForce(randomPalette(2000, 3, rng), randomPixels(3000, rng));
  });

  test.each([2000, 20000])(
    'RGB: %i entries (past the lists, and past 14 bits of index)',
    (size) => {
      const rng = new Rng(size);
      const palette = randomPalette(size, 3, rng);
      // Entries themselves (distance 0: index 16383 packs its cached answer to 0), and pixels.
      const entries = Array.from({ length: size }, (_, i) => i).filter(
        (i) => i % 16 === 0 || Math.abs(i - 16383) < 4,
      );
      const pixels = new Uint8Array((entries.length + 1500) * 3);
      entries.forEach((e, i) => pixels.set(palette.colors.subarray(e * 3, e * 3 + 3), i * 3));
      pixels.set(randomPixels(1500, rng), entries.length * 3);
      expectBruteForce(palette, pixels);
    },
  );
});
