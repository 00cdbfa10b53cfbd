import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/k8s-indexed-job.yaml', import.meta.url));

let folder: ReturnType<typeof tempFolder>;
beforeAll(async () => {
  folder = tempFolder('gq-k8s-');
  mkdirSync(join(folder.dir, 'scans', 'a'), { recursive: true });
  for (let i = 0; i < 10; i++)
    await writeImage(
      join(folder.dir, 'scans', i % 2 ? 'a' : '', `s${i}.tif`),
      syntheticPixels(40 + 10 * i, 30, 3, i),
      40 + 10 * i,
      30,
      3,
      'tiff-strip',
    );
});
afterAll(() => folder.remove());

/** The example's completions and container args (a plain YAML list, read without a YAML library). */
function example(): { completions: number; args: string[] } {
  const text = readFileSync(EXAMPLE, 'utf8');
  const completions = Number(/^\s*completions:\s*(\d+)/m.exec(text)?.[1]);
  const block = /^\s*args:\n((?:\s*- .*\n)+)/m.exec(text)?.[1] ?? '';
  const args = block
    .split('\n')
    .filter((l) => l.trim().startsWith('- '))
    .map((l) =>
      l
        .trim()
        .slice(2)
        .replace(/^'(.*)'$/, '$1'),
    );
  return { completions, args };
}

test('the Indexed Job example, each pod as Kubernetes starts it: every input done exactly once', () => {
  const { completions, args } = example();
  expect(completions).toBeGreaterThan(1);
  expect(args).toContain(`auto/${completions}`);
  const local = args.map((a) => a.replace('/shared', folder.dir));
  const seen: string[] = [];
  for (let index = 0; index < completions; index++) {
    const r = spawnSync(process.execPath, [CLI, ...local, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, JOB_COMPLETION_INDEX: String(index) },
    });
    expect(r.status, r.stderr).toBe(0);
    for (const line of r.stdout.trim().split('\n')) {
      const e = JSON.parse(line) as { type: string; record?: { input: string } };
      if (e.type === 'file-end') seen.push(e.record!.input);
    }
  }
  expect(seen.sort()).toEqual(
    [
      'a/s1.tif',
      'a/s3.tif',
      'a/s5.tif',
      'a/s7.tif',
      'a/s9.tif',
      's0.tif',
      's2.tif',
      's4.tif',
      's6.tif',
      's8.tif',
    ].sort(),
  );
});
