import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/cluster/Rng.js';

describe('Rng', () => {
  test('the same seed gives the same sequence, another seed another', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  test('next() stays in [0, 1) and int(n) in [0, n) with every value reached', () => {
    const rng = new Rng(1);
    const hits = new Array(10).fill(0);
    for (let i = 0; i < 10000; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      hits[rng.int(10)]++;
    }
    for (const h of hits) expect(h).toBeGreaterThan(850);
  });
});
