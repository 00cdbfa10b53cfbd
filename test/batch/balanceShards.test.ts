import { expect, test } from 'vitest';
import { inputsOfShard } from '../../src/batch/balanceShards.js';

function skewed(count: number, seed: number): { index: number; pixels: number }[] {
  let s = seed;
  return Array.from({ length: count }, (_, index) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // Mostly small files, every few a big one: what a folder of scans and thumbnails looks like.
    return { index, pixels: s % 7 === 0 ? 40_000_000 + (s % 1000) : 200_000 + (s % 5000) };
  });
}

test('every input goes to exactly one shard', () => {
  const inputs = skewed(101, 3);
  for (const count of [1, 2, 3, 8, 200]) {
    const seen = [];
    for (let index = 0; index < count; index++)
      seen.push(...inputsOfShard(inputs, { index, count }).map((i) => i.index));
    expect(seen.sort((a, b) => a - b)).toEqual(inputs.map((i) => i.index));
  }
});

test('shards by pixels: the heaviest within 1.5x of the mean on a skewed folder', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const inputs = skewed(120, seed);
    const count = 4;
    const loads = Array.from({ length: count }, (_, index) =>
      inputsOfShard(inputs, { index, count }).reduce((s, i) => s + i.pixels, 0),
    );
    const mean = loads.reduce((a, b) => a + b, 0) / count;
    expect(Math.max(...loads) / mean).toBeLessThan(1.5);
  }
});

test('inputs keep their order within a shard, and every task computes the same shares', () => {
  const inputs = skewed(30, 9);
  const mine = inputsOfShard(inputs, { index: 1, count: 3 });
  expect(mine.map((i) => i.index)).toEqual([...mine.map((i) => i.index)].sort((a, b) => a - b));
  expect(inputsOfShard([...inputs], { index: 1, count: 3 })).toEqual(mine);
});
