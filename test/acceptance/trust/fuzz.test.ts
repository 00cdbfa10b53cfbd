import { expect, test } from 'vitest';
// @ts-expect-error plain JavaScript shared with `npm run fuzz`
import { runFuzz } from '../../fuzz/harness.js';

interface Verdicts {
  total: number;
  failed: { i: number; file: string; mutator: string; seed: number; reason: string }[];
}

/**
 * A fixed-seed set of mutants of every input format (see test/fuzz/harness.js for how each case
 * is judged). `npm run fuzz -- --seed S --count N` runs more with any seed.
 */
test('200 mutants of every input format: each a correct output or a clean failure', async () => {
  const verdicts = (await runFuzz({ seed: 20261128, count: 200, parallel: 2 })) as Verdicts;
  expect(verdicts.total).toBe(200);
  expect(verdicts.failed).toEqual([]);
}, 900_000);
