import { describe, expect, test } from 'vitest';
import { LloydKernel, type PartSums } from '../../src/cluster/kernels/LloydKernel.js';
import { driftOf } from '../../src/cluster/lloydMeans.js';
import { Rng } from '../../src/cluster/Rng.js';

/** Nearest centre by looking at all of them, lowest index on ties. */
function bruteNearest(points: Float64Array, i: number, centers: Float64Array): number {
  let best = Infinity;
  let bestJ = -1;
  for (let j = 0; j < centers.length / 3; j++) {
    let s = 0;
    for (let ch = 0; ch < 3; ch++)
      s += ((points[i * 3 + ch] as number) - (centers[j * 3 + ch] as number)) ** 2;
    if (s < best) {
      best = s;
      bestJ = j;
    }
  }
  return bestJ;
}

function randomPoints(rng: Rng, n: number): { points: Float64Array; weights: Float64Array } {
  // Integer colours in a few blobs, so that many points sit near cluster borders and repeat.
  const points = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const blob = rng.int(5) * 50;
    for (let ch = 0; ch < 3; ch++) points[i * 3 + ch] = Math.min(255, blob + rng.int(60));
  }
  const weights = Float64Array.from({ length: n }, () => 1 + rng.int(9));
  return { points, weights };
}

/**
 * Wu's boxes the plain way, for reference: 64 cells per channel over the points' range; the
 * box of greatest squared error cut where its two sides' squared error is least, every cut
 * tried by summing the points again. The centres are the boxes' means, in the order made.
 */
function plainWu(points: Float64Array, weights: Float64Array, n: number, k: number): number[] {
  const cells = 64;
  const cellOf = new Uint8Array(n * 3);
  for (let c = 0; c < 3; c++) {
    const values = Array.from({ length: n }, (_, i) => points[i * 3 + c] as number);
    const lo = Math.min(...values);
    const span = Math.max(...values) - lo;
    const scale = cells / (span > 0 ? span : 1);
    for (let i = 0; i < n; i++)
      cellOf[i * 3 + c] =
        Math.min(Math.trunc(((points[i * 3 + c] as number) - lo) * scale), 63) + 1;
  }
  const sums = (members: number[]) => {
    const s = [0, 0, 0, 0];
    for (const i of members) {
      const w = weights[i] as number;
      s[0]! += w;
      for (let c = 0; c < 3; c++) s[c + 1]! += w * (points[i * 3 + c] as number);
    }
    return s;
  };
  const errorOf = (members: number[]) => {
    const [w, ...s] = sums(members) as [number, number, number, number];
    let e = 0;
    for (const i of members)
      for (let c = 0; c < 3; c++)
        e += (weights[i] as number) * ((points[i * 3 + c] as number) - (s[c] as number) / w) ** 2;
    return e;
  };
  const score = (members: number[]) => {
    const [w, r, g, b] = sums(members) as [number, number, number, number];
    return (r * r + g * g + b * b) / w;
  };
  type Box = { lo: number[]; hi: number[]; members: number[]; error: number };
  const all = Array.from({ length: n }, (_, i) => i);
  const boxes: Box[] = [
    { lo: [0, 0, 0], hi: [cells, cells, cells], members: all, error: errorOf(all) },
  ];
  while (boxes.length < k) {
    let next = -1;
    boxes.forEach((box, b) => {
      if (box.error > 0 && (next < 0 || box.error > (boxes[next] as Box).error)) next = b;
    });
    if (next < 0) break;
    const box = boxes[next] as Box;
    let best = -Infinity;
    let cut: { axis: number; at: number } | undefined;
    for (let axis = 0; axis < 3; axis++)
      for (let at = (box.lo[axis] as number) + 1; at < (box.hi[axis] as number); at++) {
        const low = box.members.filter((i) => (cellOf[i * 3 + axis] as number) <= at);
        const high = box.members.filter((i) => (cellOf[i * 3 + axis] as number) > at);
        if (low.length === 0 || high.length === 0) continue;
        const value = score(low) + score(high);
        if (value > best) {
          best = value;
          cut = { axis, at };
        }
      }
    if (!cut) {
      box.error = 0;
      continue;
    }
    const { axis, at } = cut;
    const low = box.members.filter((i) => (cellOf[i * 3 + axis] as number) <= at);
    const high = box.members.filter((i) => (cellOf[i * 3 + axis] as number) > at);
    const fresh = { lo: [...box.lo], hi: [...box.hi], members: high, error: errorOf(high) };
    fresh.lo[axis] = at;
    box.hi[axis] = at;
    box.members = low;
    box.error = errorOf(low);
    boxes.push(fresh);
  }
  return boxes.flatMap(({ members }) => {
    const [w, r, g, b] = sums(members) as [number, number, number, number];
    return [r / w, g / w, b / w];
  });
}

/**
 * A kernel over `n` random points, stepped `steps` times from k random centres (its points cut
 * in two parts at `split`): `check` sees each step's result, and `move` gives the next centres.
 */
function wander(
  plan: {
    seed: number;
    n: number;
    k: number;
    steps: number;
    split: number;
    move: (centers: Float64Array, rng: Rng) => Float64Array;
  },
  check: (
    kernel: LloydKernel,
    centers: Float64Array,
    data: { points: Float64Array; weights: Float64Array; n: number },
  ) => void,
): void {
  const { n, k, split } = plan;
  const rng = new Rng(plan.seed);
  const { points, weights } = randomPoints(rng, n);
  const kernel = new LloydKernel(points, weights, n, k);
  kernel.labels.fill(-1);
  let centers: Float64Array = Float64Array.from({ length: k * 3 }, () => rng.int(256));
  let drift: ReturnType<typeof driftOf> | undefined;
  for (let step = 0; step < plan.steps; step++) {
    kernel.prepare(centers, drift);
    kernel.step(0, 0, split);
    kernel.step(1, split, n);
    check(kernel, centers, { points, weights, n });
    const next = plan.move(centers, rng);
    drift = driftOf(centers, next, k, 3);
    centers = next;
  }
}

/**
 * 26 centres: centre 0 at (128, 128, 128), centre 1 at `second`, and 24 on a ring about centre
 * 0, across the first channel's axis, the i-th at radius(i).
 */
function ringAbout(second: number[], radius: (i: number) => number): Float64Array {
  const ring = Array.from({ length: 24 }, (_, i) => [
    128,
    128 + radius(i) * Math.cos((2 * Math.PI * i) / 24),
    128 + radius(i) * Math.sin((2 * Math.PI * i) / 24),
  ]);
  return Float64Array.from([[128, 128, 128], second, ...ring].flat());
}

/** The label of one point after a step to `before`, then one to `after`. */
function labelsOfTwoSteps(point: number[], before: Float64Array, after: Float64Array): number[] {
  const k = before.length / 3;
  const kernel = new LloydKernel(Float64Array.from(point), Float64Array.of(1), 1, k);
  kernel.labels.fill(-1);
  kernel.prepare(before, undefined);
  kernel.step(0, 0, 1);
  const first = kernel.labels[0] as number;
  kernel.prepare(after, driftOf(before, after, k, 3));
  kernel.step(0, 0, 1);
  return [first, kernel.labels[0] as number];
}

describe('LloydKernel (WebAssembly)', () => {
  test.each([3, 17, 40, 256])(
    'every step assigns each point its exact nearest centre and sums it (k=%i), as centres wander',
    (k) => {
      // Move the centres: most a little, some far (a relocated one), some not at all.
      const move = (centers: Float64Array, rng: Rng) =>
        centers.map((c, at) =>
          at % 7 === 0 ? c : at % 29 === 0 ? rng.int(256) : c + (rng.next() - 0.5) * 8,
        );
      wander({ seed: k, n: 4000, k, steps: 8, split: 1500, move }, (kernel, centers, data) => {
        const { points, weights, n } = data;
        const sums = new Float64Array(k * 3);
        const mass = new Float64Array(k);
        for (let i = 0; i < n; i++) {
          const j = bruteNearest(points, i, centers);
          expect(kernel.labels[i]).toBe(j);
          mass[j] = (mass[j] as number) + (weights[i] as number);
          for (let ch = 0; ch < 3; ch++)
            sums[j * 3 + ch] =
              (sums[j * 3 + ch] as number) +
              (weights[i] as number) * (points[i * 3 + ch] as number);
        }
        const [a, b] = kernel.parts as [PartSums, PartSums];
        for (let j = 0; j < k; j++) {
          expect((a.mass[j] as number) + (b.mass[j] as number)).toBe(mass[j]);
          for (let ch = 0; ch < 3; ch++)
            expect((a.sums[j * 3 + ch] as number) + (b.sums[j * 3 + ch] as number)).toBeCloseTo(
              sums[j * 3 + ch] as number,
              6,
            );
        }
      });
    },
  );

  test.each([30, 256])(
    'kept neighbour lists stay exact over many small steps with one far mover each (k=%i)',
    (k) => {
      // Late steps move every centre a little and the odd one far: the lists are kept from step
      // to step, and a point's lower bound falls by its own centre's neighbours' moves.
      const move = (centers: Float64Array, rng: Rng) => {
        const far = rng.int(k);
        return centers.map((c, at) =>
          Math.floor(at / 3) === far ? rng.int(256) : c + (rng.next() - 0.5) * 1.2,
        );
      };
      wander(
        { seed: 100 + k, n: 3000, k, steps: 30, split: 1100, move },
        (kernel, centers, data) => {
          for (let i = 0; i < data.n; i++)
            expect(kernel.labels[i]).toBe(bruteNearest(data.points, i, centers));
        },
      );
    },
  );

  test('a centre not listed that comes nearer than listed ones that moved away is found', () => {
    // Centre 0 lists the 24 of a ring of radius 20 about it; centre 1, at 30, is not listed.
    // Then half the ring moves out to 28 and centre 1 comes in to 22.5, past the point at 12
    // from centre 0 on its way: the list kept reaches past the bound on unlisted centres.
    const before = ringAbout([158, 128, 128], () => 20);
    const after = ringAbout([150.5, 128, 128], (i) => (i % 2 ? 28 : 20));
    expect(labelsOfTwoSteps([140, 128, 128], before, after)).toEqual([0, 1]);
  });

  test("a point's bound falls by a centre not listed that comes near, not by its neighbours' moves alone", () => {
    // The ring stays put, so the own centre's neighbours did not move; centre 1, not listed,
    // comes 9.9 nearer and past the point, which must not keep its centre unsearched.
    const before = ringAbout([158, 128, 128], () => 20);
    const after = ringAbout([148.1, 128, 128], () => 20);
    expect(labelsOfTwoSteps([139, 128, 128], before, after)).toEqual([0, 1]);
  });

  test("Wu's boxes are the ones a plain Wu over the points makes", () => {
    const rng = new Rng(31);
    const n = 2500;
    const { points, weights } = randomPoints(rng, n);
    for (const k of [2, 9, 48]) {
      const kernel = new LloydKernel(points, weights, n, k);
      const centers = new Float64Array(k * 3);
      expect(kernel.wuBoxes(centers)).toBe(true);
      kernel.release();
      const expected = plainWu(points, weights, n, k);
      for (let i = 0; i < k * 3; i++) expect(centers[i]).toBeCloseTo(expected[i] as number, 9);
    }
  });

  test("Wu's boxes partition the points, each centre the mean of its box", () => {
    const rng = new Rng(11);
    const n = 5000;
    const { points, weights } = randomPoints(rng, n);
    const k = 64;
    const kernel = new LloydKernel(points, weights, n, k);
    const centers = new Float64Array(k * 3);
    expect(kernel.wuBoxes(centers)).toBe(true);
    const sums = new Float64Array(k * 3);
    const mass = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const j = kernel.labels[i] as number;
      expect(j).toBeGreaterThanOrEqual(0);
      expect(j).toBeLessThan(k);
      mass[j] = (mass[j] as number) + (weights[i] as number);
      for (let ch = 0; ch < 3; ch++)
        sums[j * 3 + ch] =
          (sums[j * 3 + ch] as number) + (weights[i] as number) * (points[i * 3 + ch] as number);
    }
    for (let j = 0; j < k; j++) {
      expect(mass[j]).toBeGreaterThan(0);
      for (let ch = 0; ch < 3; ch++)
        expect(centers[j * 3 + ch]).toBeCloseTo(
          (sums[j * 3 + ch] as number) / (mass[j] as number),
          9,
        );
    }
  });

  test('too few distinct cells for k boxes: says so instead of making empty ones', () => {
    const points = Float64Array.from([0, 0, 0, 255, 255, 255, 0, 0, 1, 255, 255, 254]);
    const weights = Float64Array.from([1, 1, 1, 1]);
    const kernel = new LloydKernel(points, weights, 4, 3);
    expect(kernel.wuBoxes(new Float64Array(9))).toBe(false);
  });

  test('kernels alive at once get memories of their own; one handed back cannot be used', () => {
    const rng = new Rng(21);
    const { points, weights } = randomPoints(rng, 2000);
    const a = new LloydKernel(points, weights, 2000, 8);
    const b = new LloydKernel(points, weights, 2000, 8);
    const ca = new Float64Array(24);
    const cb = new Float64Array(24);
    expect(a.wuBoxes(ca)).toBe(true);
    b.labels.fill(7);
    expect(b.wuBoxes(cb)).toBe(true);
    expect(Array.from(cb)).toEqual(Array.from(ca));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    a.release();
    expect(() => a.prepare(ca, undefined)).toThrow(/handed back/);
    // The memory a handed back is reused by the next kernel, which starts clean.
    const c = new LloydKernel(points, weights, 2000, 8);
    const cc = new Float64Array(24);
    expect(c.wuBoxes(cc)).toBe(true);
    expect(Array.from(cc)).toEqual(Array.from(ca));
    b.release();
    c.release();
  });
});
