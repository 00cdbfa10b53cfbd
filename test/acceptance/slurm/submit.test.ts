import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
beforeAll(async () => {
  folder = tempFolder('gq-submit-');
  mkdirSync(join(folder.dir, 'bin'));
  await writeImage(
    join(folder.dir, 'in.tif'),
    syntheticPixels(64, 48, 3, 1),
    64,
    48,
    3,
    'tiff-strip',
  );
});
afterAll(() => folder.remove());

/** The CLI with only `extraPath` on PATH: no Slurm unless put there. */
function gq(args: string[], extraPath?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: folder.dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: extraPath ?? join(folder.dir, 'empty') },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('--dry-run prints the four stage scripts: this Node, this gigaquant, --shard auto, afterok', () => {
  const r = gq([
    'slurm',
    'compress',
    'in.tif',
    '-k',
    '8',
    '-o',
    'out.tif',
    '--tasks',
    '3',
    '--dry-run',
    '--sbatch=--partition=long',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const scripts = r.stdout.split(/^# job \d+: /m).slice(1);
  expect(scripts.map((s) => s.split(' ')[0])).toEqual(['count', 'fit', 'apply', 'stitch']);
  expect(scripts[0]).toMatch(/#SBATCH --array=0-2/);
  expect(scripts[1]).toMatch(/--dependency=afterok:\$JOB_0/);
  for (const s of scripts) {
    expect(s).toContain(`${process.execPath} ${CLI} compress in.tif -k 8 -o out.tif --work-dir `);
    expect(s).toMatch(/--partition=long/);
    expect(s).toMatch(/#SBATCH --mem=\d+M/);
    expect(s).toContain(`#SBATCH --chdir=${folder.dir}`);
  }
  expect(scripts[2]).toMatch(/--stage apply --shard auto/);
  expect(scripts[3]).toMatch(/--stage stitch;/);
});

test('slurm batch --dry-run: fit job, array, merge job after any outcome, report by the merge', () => {
  const r = gq([
    'slurm',
    'batch',
    '*.tif',
    '--out-dir',
    'o',
    '-k',
    '4',
    '--shared-palette',
    '--tasks',
    '2',
    '--dry-run',
    '--report',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const scripts = r.stdout.split(/^# job \d+: /m).slice(1);
  expect(scripts.map((s) => s.split(' ')[0])).toEqual(['fit', 'tasks', 'merge']);
  expect(scripts[0]).toMatch(/batch '\*\.tif' --out-dir o -k 4 --shared-palette --palette-only;/);
  expect(scripts[1]).toMatch(/--shard auto;/);
  expect(scripts[1]).not.toMatch(/--report/);
  expect(scripts[2]).toMatch(/--dependency=afterany:\$JOB_1/);
  expect(scripts[2]).toMatch(/ merge .* report .* --output .*report\.html/s);
});

test('without sbatch: exit 2, saying so, and nothing left behind', () => {
  const r = gq(['slurm', 'compress', 'in.tif', '-k', '8', '-o', 'out.tif', '--tasks', '2']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/sbatch not found/);
  expect(readdirSync(folder.dir).sort()).toEqual(['bin', 'in.tif']);
});

test('sbatch refusing: exit 2 with what Slurm said', () => {
  const bin = join(folder.dir, 'bin');
  writeFileSync(
    join(bin, 'sbatch'),
    '#!/bin/sh\necho "sbatch: error: invalid partition specified: nope" >&2\nexit 1\n',
  );
  chmodSync(join(bin, 'sbatch'), 0o755);
  const r = gq(
    [
      'slurm',
      'batch',
      '*.tif',
      '--out-dir',
      'o',
      '-k',
      '4',
      '--tasks',
      '2',
      '--sbatch=--partition=nope',
    ],
    bin,
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/invalid partition specified: nope/);
});

test('what slurm sets itself is refused when given', () => {
  expect(
    gq(['slurm', 'batch', '*.tif', '--out-dir', 'o', '-k', '4', '--tasks', '2', '--shard', '0/2'])
      .code,
  ).toBe(2);
  expect(gq(['slurm', 'compress', 'in.tif', '-o', 'o.tif', '-k', '4', '--tasks', '0']).code).toBe(
    2,
  );
});
