import { describe, expect, test } from 'vitest';
import { ColorHistogram, MAX_FIT_POINTS, SPARSE_PIXELS } from '../../src/cluster/ColorHistogram.js';
import { lloydKMeans } from '../../src/cluster/lloydKMeans.js';
import { meansOf } from '../../src/cluster/lloydMeans.js';
import type { Sums } from '../../src/cluster/lloydSteps.js';
import { Rng } from '../../src/cluster/Rng.js';
import { oneRowBand as band } from '../helpers/bands.js';
import { bruteInertia } from '../helpers/oracle.js';

const OPTIONS = { k: 3, nInit: 2, maxIter: 100, tol: 0, seed: 3 };

describe('lloydKMeans', () => {
  test('weights count as repeated points: the same centres either way', () => {
    const pts = [10, 10, 10, 12, 12, 12, 200, 50, 50, 210, 60, 40, 90, 220, 90];
    const w = [5, 1, 3, 2, 4];
    const expanded: number[] = [];
    w.forEach((n, i) => {
      for (let r = 0; r < n; r++) expanded.push(...pts.slice(i * 3, i * 3 + 3));
    });
    const a = lloydKMeans(Float64Array.from(pts), Float64Array.from(w), 5, 3, OPTIONS);
    const b = lloydKMeans(
      Float64Array.from(expanded),
      new Float64Array(15).fill(1),
      15,
      3,
      OPTIONS,
    );
    const sorted = (c: Float64Array) =>
      [0, 1, 2]
        .map((j) =>
          Array.from(c.subarray(j * 3, j * 3 + 3))
            .map((v) => v.toFixed(6))
            .join(),
        )
        .sort();
    expect(sorted(a.centers)).toEqual(sorted(b.centers));
    expect(a.inertia).toBeCloseTo(b.inertia, 6);
    // Cluster means by hand: {10,10,10 x5; 12,12,12 x1} -> 10.333..., {200,50,50 x3; 210,60,40 x2} -> 204,54,46.
    expect(sorted(a.centers)).toContain(['204.000000', '54.000000', '46.000000'].join());
  });

  test('assignment through the sorted-axis search matches brute force inertia on random data', () => {
    const rng = new Rng(5);
    const n = 3000;
    const points = Float64Array.from({ length: n * 3 }, () => rng.int(256));
    const weights = Float64Array.from({ length: n }, () => 1 + rng.int(20));
    const r = lloydKMeans(points, weights, n, 3, { k: 40, nInit: 1, maxIter: 30, tol: 0, seed: 1 });
    expect(r.inertia).toBeCloseTo(bruteInertia(points, weights, r.centers, 3), 3);
    expect(r.steps).toBeGreaterThan(1);
    expect(['converged', 'max-iter']).toContain(r.stopReason);
  });

  test('is deterministic for a seed, stops on tol when asked', () => {
    const rng = new Rng(8);
    const points = Float64Array.from({ length: 900 }, () => rng.int(256));
    const weights = new Float64Array(300).fill(1);
    const a = lloydKMeans(points, weights, 300, 3, {
      k: 8,
      nInit: 2,
      maxIter: 100,
      tol: 1e-2,
      seed: 4,
    });
    const b = lloydKMeans(points, weights, 300, 3, {
      k: 8,
      nInit: 2,
      maxIter: 100,
      tol: 1e-2,
      seed: 4,
    });
    expect(b.centers).toEqual(a.centers);
    expect(a.stopReason).toBe('tol');
  });

  test('a centre left empty moves to the worst-served point, weight times distance squared', () => {
    // Three points; cluster 0 took them all, cluster 1 took none.
    const points = Float64Array.of(0, 0, 0, 10, 10, 10, 200, 200, 200);
    const weights = Float64Array.of(5, 1, 1);
    const sums = [0, 1, 2].map((ch) => points[ch]! * 5 + points[3 + ch]! + points[6 + ch]!);
    const halves: [Sums, Sums] = [
      { sums: Float64Array.of(...sums, 0, 0, 0), mass: Float64Array.of(7, 0) },
      { sums: new Float64Array(6), mass: new Float64Array(2) },
    ];
    // Upper bounds: distances to the own centre. Point 2 costs 1 x 100^2, point 0 costs 5 x 30^2.
    const upper = Float64Array.of(30, 20, 100);
    const previous = Float64Array.of(40, 40, 40, 90, 90, 90);
    const data = { points, weights, n: 3, d: 3, squaredNorms: 0 };
    const { means, relocated } = meansOf(halves, data, 2, upper, previous);
    expect(Array.from(relocated)).toEqual([0, 1]);
    expect(Array.from(means.subarray(3, 6))).toEqual([200, 200, 200]);
    expect(Array.from(means.subarray(0, 3))).toEqual(sums.map((v) => v / 7));
  });

  test('two empty centres take two different points', () => {
    const points = Float64Array.of(0, 50, 100);
    const halves: [Sums, Sums] = [
      { sums: Float64Array.of(150, 0, 0), mass: Float64Array.of(3, 0, 0) },
      { sums: new Float64Array(3), mass: new Float64Array(3) },
    ];
    const data = { points, weights: Float64Array.of(1, 1, 1), n: 3, d: 1, squaredNorms: 0 };
    const { means } = meansOf(halves, data, 3, Float64Array.of(50, 1, 50), new Float64Array(3));
    expect(Array.from(means)).toEqual([50, 0, 100]);
  });
});

describe('ColorHistogram', () => {
  test('more colours than its estimate: the count still ends, exact, in colour order', () => {
    const rng = new Rng(9);
    const n = 5000;
    const data = Uint8Array.from({ length: n * 3 }, () => rng.int(256));
    const small = new ColorHistogram(3, 10);
    small.add({ y: 0, height: 1, width: n / 2, channels: 3, data: data.subarray(0, (n / 2) * 3) });
    small.add({ y: 1, height: 1, width: n / 2, channels: 3, data: data.subarray((n / 2) * 3) });
    const exact = new ColorHistogram(3, 2 ** 30);
    exact.add({ y: 0, height: 1, width: n, channels: 3, data });
    const a = small.entries();
    const b = exact.entries();
    expect(a.count).toBe(b.count);
    expect(Array.from(a.colors)).toEqual(Array.from(b.colors));
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
  }, 10_000);

  test('runs of one colour, across and at the ends of bands, are counted exactly (RGB and RGBA)', () => {
    const rng = new Rng(4);
    for (const stride of [3, 4]) {
      // Few colours in runs of random length, as an upscaled or flat image has them.
      const n = 20_000;
      const data = new Uint8Array(n * stride);
      const naive = new Map<number, number>();
      for (let p = 0, run = 0, color = 0; p < n; p++, run--) {
        if (run <= 0) {
          color = rng.int(7) * 0x250a13;
          run = 1 + rng.int(40);
        }
        for (let ch = 0; ch < stride; ch++) data[p * stride + ch] = (color >> (8 * ch)) & 255;
        const key = color & 0xffffff;
        naive.set(key, (naive.get(key) ?? 0) + 1);
      }
      const h = new ColorHistogram(3, 2 ** 30);
      for (let from = 0; from < n; from += 777) {
        const width = Math.min(777, n - from);
        h.add({
          y: 0,
          height: 1,
          width,
          channels: stride as 3 | 4,
          data: data.subarray(from * stride, (from + width) * stride),
        });
      }
      const e = h.entries();
      const got = new Map<number, number>();
      for (let i = 0; i < e.count; i++)
        got.set(
          e.colors[i * 3]! | (e.colors[i * 3 + 1]! << 8) | (e.colors[i * 3 + 2]! << 16),
          e.weights[i]!,
        );
      expect(got).toEqual(naive);
    }
  });

  test('counts colours exactly; an RGBA band counts by RGB', () => {
    const h = new ColorHistogram(3, 100);
    h.add(band(3, [1, 2, 3, 1, 2, 3, 9, 9, 9]));
    h.add(band(4, [1, 2, 3, 0, 9, 9, 9, 255]));
    const e = h.entries();
    expect(e.count).toBe(2);
    expect(Array.from(e.colors)).toEqual([1, 2, 3, 9, 9, 9]);
    expect(Array.from(e.weights)).toEqual([3, 2]);
  });

  test('more distinct colours than the fit takes: 6-bit bins at their exact means, weights kept', () => {
    const rng = new Rng(1);
    const h = new ColorHistogram(3, 1e6);
    const n = 400_000;
    const data = Uint8Array.from({ length: n * 3 }, () => rng.int(256));
    h.add({ y: 0, height: 1, width: n, channels: 3, data });
    expect(h.distinct()).toBeGreaterThan(MAX_FIT_POINTS);
    const { points, weights, count } = h.fitPoints();
    expect(count).toBeLessThanOrEqual(MAX_FIT_POINTS);
    expect(weights.reduce((s, w) => s + w, 0)).toBe(n);
    // A mean of colours from one 4-level bin stays in that bin: every point names a different bin.
    const keys = new Set<number>();
    for (let b = 0; b < count; b++) {
      keys.add(
        [0, 1, 2].reduce((key, ch) => key * 64 + Math.floor((points[b * 3 + ch] as number) / 4), 0),
      );
    }
    expect(keys.size).toBe(count);
  });
});

test.each([3, 4])(
  'small images are counted in a hash that gives the same entries as the full table (%i channels, two bands)',
  (channels) => {
    const rng = new Rng(12 + channels);
    const n = 50_000;
    // Colours over the whole cube, many repeated (runs and scattered).
    const data = new Uint8Array(n * channels);
    for (let p = 0; p < n; p++) {
      const repeat = p > 0 && rng.next() < 0.3;
      for (let ch = 0; ch < channels; ch++)
        data[p * channels + ch] = repeat
          ? (data[(p - 1 - rng.int(Math.min(p, 50))) * channels + ch] as number)
          : rng.int(256);
    }
    const half = (n / 2) * channels;
    const bands = [data.subarray(0, half), data.subarray(half)].map((part, i) => ({
      y: i,
      height: 1,
      width: n / 2,
      channels,
      data: part,
    }));
    const sparse = new ColorHistogram(3, n);
    const dense = new ColorHistogram(3, SPARSE_PIXELS + 1);
    for (const band of bands) {
      sparse.add(band);
      dense.add(band);
    }
    expect(sparse.distinct()).toBe(dense.distinct());
    expect(sparse.entries()).toEqual(dense.entries());
  },
);
