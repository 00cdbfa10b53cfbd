import { expect, test } from 'vitest';
import { counted, fitSampleFor, forUnits } from '../../src/model/fitSample.js';

test('a sample is taken only of an image of at least twice the megapixels asked for', () => {
  expect(fitSampleFor(2e9, undefined, 1)).toBeUndefined();
  expect(fitSampleFor(3.9e6, 2, 1)).toBeUndefined();
  expect(fitSampleFor(4e6, 2, 1)).toEqual({ every: 2, seed: 1 });
  expect(fitSampleFor(2.04e9, 256, 7)).toEqual({ every: 7, seed: 7 });
});

test('one unit in every run of `every`, at places the seed picks', () => {
  const sample = { every: 7, seed: 3 };
  const units = 7 * 1000;
  const places = new Set<number>();
  for (let run = 0; run < 1000; run++) {
    const picked = [];
    for (let u = run * 7; u < run * 7 + 7; u++) if (counted(sample, u)) picked.push(u);
    expect(picked).toHaveLength(1);
    places.add(picked[0]! - run * 7);
  }
  // Every place within a run is used: the picks are not a lattice that could line up with a pattern.
  expect(places.size).toBe(7);
  const picks = (seed: number) =>
    Array.from({ length: units }, (_, u) => u).filter((u) => counted({ every: 7, seed }, u));
  expect(picks(3)).toEqual(picks(3));
  expect(picks(4)).not.toEqual(picks(3));
});

test('an image of fewer units than `every` still has one counted', () => {
  expect(forUnits({ every: 9, seed: 1 }, 3)).toEqual({ every: 3, seed: 1 });
  expect(forUnits({ every: 9, seed: 1 }, 1)).toBeUndefined();
  for (let seed = 0; seed < 50; seed++) {
    const picks = forUnits({ every: 9, seed }, 3);
    expect([0, 1, 2].filter((u) => counted(picks, u))).toHaveLength(1);
  }
  expect(counted(undefined, 12345)).toBe(true);
});
