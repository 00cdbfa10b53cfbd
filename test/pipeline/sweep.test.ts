import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quantizeFile } from '../../src/index.js';
import { kneeOf, parseKs, sweepFile } from '../../src/pipeline/sweepFile.js';
import { runCli } from '../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let input: string;
beforeAll(async () => {
  folder = tempFolder();
  input = await writeImage(
    join(folder.dir, 'sweep.png'),
    syntheticPixels(120, 80, 3),
    120,
    80,
    3,
    'png',
  );
});
afterAll(() => folder.remove());

describe('k lists', () => {
  test.each([
    ['2..6', [2, 3, 4, 5, 6]],
    ['2..64', [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]],
    ['16,4,4,64', [4, 16, 64]],
  ])('%s is %j', (spec, ks) => {
    expect(parseKs(spec)).toEqual(ks);
  });

  test.each(['0..4', '8..2', 'a,b'])('%s is refused', (spec) => {
    expect(() => parseKs(spec)).toThrow(/--k: expected/);
  });

  test('the knee is where the curve bends most', () => {
    const rows = [2, 4, 8, 16, 32, 64].map((k) => ({
      k,
      psnr: k <= 8 ? 10 + 5 * Math.log2(k) : 25 + 0.2 * Math.log2(k),
    }));
    expect(kneeOf(rows)).toBe(8);
  });
});

test('each row has the PSNR and bytes that compress gives for that k', async () => {
  const result = await sweepFile(input, [2, 5, 16], { tmpDir: folder.dir });
  expect(result.rows.map((r) => r.k)).toEqual([2, 5, 16]);
  for (const row of result.rows) {
    const single = await quantizeFile(input, join(folder.dir, `single-${row.k}.png`), { k: row.k });
    expect(row.psnr).toBeCloseTo(single.psnr, 9);
    expect(row.outputBytes).toBe(statSync(single.output).size);
  }
  expect(result.rows[0]!.psnr).toBeLessThan(result.rows[2]!.psnr);
});

test('gigaquant sweep prints the table with the knee marked', () => {
  const r = runCli(['sweep', input, '--k', '2..8']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/\|\s+2 \|/);
  expect(r.stdout).toMatch(/<- knee/);
  expect(r.stdout).toMatch(/^knee: k=\d+/m);
});
