import { expect, test } from 'vitest';
import { ColorHistogram, MAX_FIT_POINTS, SPARSE_PIXELS } from '../../src/cluster/ColorHistogram.js';
import { ColorCountKernel } from '../../src/cluster/kernels/ColorCountKernel.js';
import { ColorTableKernel } from '../../src/cluster/kernels/ColorTableKernel.js';
import { Rng } from '../../src/cluster/Rng.js';

interface Band {
  y: number;
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** A band with runs of one colour (as upscaled photos have), from a few hundred colours. */
function randomBand(rng: Rng, width: number, height: number, channels: 3 | 4): Band {
  const data = new Uint8Array(width * height * channels);
  let colour = [0, 0, 0];
  for (let p = 0; p < width * height; p++) {
    if (rng.int(4) === 0) colour = [rng.int(8) * 32, rng.int(256), rng.int(3)];
    for (let ch = 0; ch < 3; ch++) data[p * channels + ch] = colour[ch] as number;
    if (channels === 4) data[p * 4 + 3] = rng.int(256);
  }
  return { y: 0, data, width, height, channels };
}

/** Counts by brute force: packed RGB (channel 0 lowest) -> pixels. */
function oracle(bands: Band[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { data, width, height, channels } of bands)
    for (let p = 0; p < width * height; p++) {
      const o = p * channels;
      const key =
        (data[o] as number) | ((data[o + 1] as number) << 8) | ((data[o + 2] as number) << 16);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  return counts;
}

function expectCounts(histogram: ColorHistogram, expected: Map<number, number>): void {
  const { colors, weights, count } = histogram.entries();
  expect(count).toBe(expected.size);
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const key =
      (colors[i * 3] as number) |
      ((colors[i * 3 + 1] as number) << 8) |
      ((colors[i * 3 + 2] as number) << 16);
    expect(key).toBeGreaterThan(previous);
    previous = key;
    expect(weights[i]).toBe(expected.get(key));
  }
  expect(histogram.distinct()).toBe(expected.size);
}

test.each([3, 4] as const)(
  'a big image is counted in the 2^24 table exactly, whatever the bands (%i channels)',
  (channels) => {
    const rng = new Rng(channels);
    // Bands longer and shorter than a kernel call's chunk, with runs across their edges.
    const bands = [
      randomBand(rng, 1000, 70, channels),
      randomBand(rng, 1000, 1, channels),
      randomBand(rng, 333, 7, channels),
    ];
    const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
    for (const band of bands) histogram.add(band);
    expectCounts(histogram, oracle(bands));
  },
);

test('the table starts empty on memory an earlier kernel wrote', () => {
  const rng = new Rng(5);
  const earlier = new ColorCountKernel(1 << 20);
  earlier.add(randomBand(rng, 1024, 256, 3));
  earlier.entries(); // hands its memory back, to be reused
  const band = randomBand(rng, 500, 20, 3);
  const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
  histogram.add(band);
  expectCounts(histogram, oracle([band]));
});

/** `pixels` pixels of distinct colours, none of which randomBand makes. */
function distinctBand(pixels: number): Band {
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) data.set([0, p & 255, 200 + (p >> 8)], p * 3);
  return { y: 0, data, width: pixels, height: 1, channels: 3 };
}

test('a small image with more colours than its hash holds moves to the table, exactly', () => {
  const rng = new Rng(9);
  // The colours of the first band fill the hash, and are never seen again.
  const bands = [distinctBand(600), randomBand(rng, 200, 50, 3), randomBand(rng, 200, 50, 4)];
  // Estimated at 100 pixels: the hash fills long before the 20 000 pixels end.
  const histogram = new ColorHistogram(3, 100);
  for (const band of bands) histogram.add(band);
  expectCounts(histogram, oracle(bands));
});

test('a hash that fills grows, several times over and in the middle of a band, and stays exact', () => {
  const rng = new Rng(21);
  // 70 000 new colours (the hash starts at 2^15 slots, half of them usable), between runs of
  // colours seen before, in bands that cut across the kernel's chunks.
  const bands = [randomBand(rng, 300, 100, 3), distinctBand(70_000), randomBand(rng, 700, 100, 4)];
  const hash = new ColorCountKernel(1 << 20);
  for (const band of bands) expect(hash.add(band)).toBe(band.width * band.height);
  const { colors, weights, count } = hash.entries();
  const expected = oracle(bands);
  expect(count).toBe(expected.size);
  const keys = [...expected.keys()].sort((a, b) => a - b);
  for (let i = 0; i < count; i++) {
    const key =
      (colors[i * 3] as number) |
      ((colors[i * 3 + 1] as number) << 8) |
      ((colors[i * 3 + 2] as number) << 16);
    expect(key).toBe(keys[i]);
    expect(weights[i]).toBe(expected.get(key));
  }
});

test('counting ends with the entries: a later band is refused, not silently lost', () => {
  const rng = new Rng(13);
  const band = randomBand(rng, 100, 10, 3);
  const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
  histogram.add(band);
  expect(histogram.entries()).toBe(histogram.entries());
  expect(() => histogram.add(band)).toThrow(/after their entries/);
});

test("past 2^32 pixels the counts stay exact: a split run's counts added past 2^32", () => {
  const rng = new Rng(17);
  const band = randomBand(rng, 1000, 20, 3);
  const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
  histogram.add(band);
  // Counts from other rows of the same image (a split run): one colour seen 2^32 + 5 times,
  // one 2^33 + 1 times in one go, and one brought to exactly 2^32 (its table entry reads 0).
  const expected = oracle([band]);
  const add = (rgb: [number, number, number], count: number): void => {
    histogram.addCounts(Uint8Array.from(rgb), Float64Array.of(count), 1);
    const key = rgb[0] | (rgb[1] << 8) | (rgb[2] << 16);
    expected.set(key, (expected.get(key) ?? 0) + count);
  };
  add([1, 2, 250], 2 ** 32 + 5);
  add([9, 9, 9], 2 ** 33 + 1);
  add([200, 3, 1], 2 ** 32 - 10);
  add([200, 3, 1], 10);
  expectCounts(histogram, expected);
});

test('past 2^32 pixels the counts stay exact: one colour counted past 2^32 in the kernel', () => {
  // One colour at 2^31 - 1 from counts taken elsewhere, then 2^31 + 8 more pixels of it in bands,
  // with a few pixels of another colour among them: its 32-bit count would wrap unless part of
  // it is moved aside in time.
  const width = 1 << 16;
  const height = 64;
  const colour = [17, 34, 51];
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(colour, p * 3);
  const band: Band = { y: 0, data, width, height, channels: 3 };
  const histogram = new ColorHistogram(3, 2 ** 31 + 108);
  histogram.addCounts(Uint8Array.from(colour), Float64Array.of(2 ** 31 - 1), 1);
  const bands = 2 ** 31 / (width * height);
  for (let i = 0; i < bands - 1; i++) histogram.add(band);
  const last = Uint8Array.from(data);
  for (let p = 0; p < 100; p++) last.set([5, 6, 7], p * 3 + 1000 * 3);
  histogram.add({ ...band, data: last });
  histogram.add({ ...band, data: data.subarray(0, 108 * 3), width: 108, height: 1 });
  const key = 17 | (34 << 8) | (51 << 16);
  expectCounts(
    histogram,
    new Map([
      [5 | (6 << 8) | (7 << 16), 100],
      [key, 2 ** 32 + 7],
    ]),
  );
});

test('a table let go goes to the next kernel, and its counts can no longer be read', () => {
  const rng = new Rng(21);
  const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
  // More colours than the fit takes as points: the fit's points are bins, made from the table.
  const colours = MAX_FIT_POINTS + 1000;
  const data = new Uint8Array(colours * 3);
  for (let p = 0; p < colours; p++) data.set([p & 255, (p >> 8) & 255, p >> 16], p * 3);
  histogram.add({ y: 0, data, width: colours, height: 1, channels: 3 });
  expect(histogram.fitPoints().count).toBeLessThan(colours);
  const memoryOf = (kernel: unknown): unknown => (kernel as { memory: unknown }).memory;
  const table = memoryOf((histogram as unknown as { dense: unknown }).dense);
  expect(table).toBeDefined();
  histogram.releaseTable();
  // The fit that follows (here another table) takes the same memory rather than its own.
  const next = new ColorTableKernel();
  expect(memoryOf(next)).toBe(table);
  expect(() => histogram.distinct()).toThrow(/let go/);
  expect(() => histogram.entries()).toThrow(/let go/);
  expect(() => histogram.add(randomBand(rng, 10, 1, 3))).toThrow(/after their entries/);
  next.release();
});

test('the table handed over for pass 2 visits every count, past 2^32 too, and keeps nothing once released', () => {
  const rng = new Rng(23);
  const bands = [randomBand(rng, 1000, 30, 3), randomBand(rng, 500, 3, 4)];
  const histogram = new ColorHistogram(3, SPARSE_PIXELS + 1);
  for (const band of bands) histogram.add(band);
  const expected = oracle(bands);
  // A colour counted past 2^32 elsewhere (a part of its count sits beside the table).
  histogram.addCounts(Uint8Array.of(1, 2, 3), Float64Array.of(2 ** 32 + 3), 1);
  const big = 1 | (2 << 8) | (3 << 16);
  expected.set(big, (expected.get(big) ?? 0) + 2 ** 32 + 3);
  const counts = histogram.takeTable();
  expect(counts).toBeDefined();
  const visited = new Map<number, number>();
  let previous = -1;
  counts!.forEachCount((key, count) => {
    expect(key).toBeGreaterThan(previous);
    previous = key;
    visited.set(key, count);
  });
  expect(visited).toEqual(expected);
  // The histogram has nothing left to count with or read.
  expect(() => histogram.entries()).toThrow(/let go/);
  counts!.release();
  expect(() => counts!.forEachCount(() => undefined)).toThrow(/let go/);
  // A small image's hash is not the table: nothing to hand over.
  const small = new ColorHistogram(3, 1000);
  small.add(randomBand(rng, 10, 10, 3));
  expect(small.takeTable()).toBeUndefined();
});
