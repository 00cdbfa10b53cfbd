import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
/** Every third file by name is big: shares by name order (i, i + n, ...) would give them all to one. */
const SIZES = Array.from(
  { length: 15 },
  (_, i) => [`f${String(i).padStart(2, '0')}`, i % 3 === 0 ? 500 : 150] as const,
);
beforeAll(async () => {
  folder = tempFolder('gq-shards-');
  mkdirSync(join(folder.dir, 'in'));
  let seed = 0;
  for (const [name, side] of SIZES)
    await writeImage(
      join(folder.dir, 'in', `${name}.png`),
      syntheticPixels(side, side, 3, seed++),
      side,
      side,
      3,
      'png',
    );
});
afterAll(() => folder.remove());

test('shards share a skewed folder out by pixels: each within 1.5x of the mean', () => {
  const count = 3;
  const loads: number[] = [];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'batch',
        join(folder.dir, 'in', '*.png'),
        '--out-dir',
        join(folder.dir, 'out'),
        '-k',
        '4',
        '--json',
        '--shard',
        `${i}/${count}`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    loads.push(events.find((e) => e.type === 'plan')!.pixels as number);
    for (const e of events)
      if (e.type === 'file-end') files.push((e.record as { input: string }).input);
  }
  expect(files.sort()).toEqual(SIZES.map(([n]) => `${n}.png`).sort());
  const mean = loads.reduce((a, b) => a + b, 0) / count;
  expect(Math.max(...loads) / mean).toBeLessThan(1.5);
});
