import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

/** Paths are data: no path leads an output over its input, and every name POSIX allows works. */
const folder = tempFolder('gq-paths-');
const root = folder.dir;
const at = (...parts: string[]): string => join(root, ...parts);
afterAll(() => folder.remove());

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
let original: string;

beforeAll(async () => {
  mkdirSync(at('dir'));
  await writeImage(at('dir', 'photo.png'), syntheticPixels(80, 60, 3, 31), 80, 60, 3, 'png');
  original = sha(at('dir', 'photo.png'));
  symlinkSync('dir', at('dirlink'));
  symlinkSync(join('dir', 'photo.png'), at('link.png'));
  linkSync(at('dir', 'photo.png'), at('hard.png'));
});

describe('an input is never overwritten, whatever path leads to it (exit 2)', () => {
  test.each([
    ['through a symlinked folder', ['dirlink', 'photo.png'], ['dir', 'photo.png']],
    ['the output is a symlink to the input', ['dir', 'photo.png'], ['link.png']],
    ['the input is a symlink to the output', ['link.png'], ['dir', 'photo.png']],
    ['a hard link', ['hard.png'], ['dir', 'photo.png']],
  ])('compress: %s', (_, input, output) => {
    const r = runCli(['compress', at(...input), '-k', '4', '-o', at(...output)]);
    expect(r.stderr).toMatch(/writing it would replace an input/);
    expect(r.code).toBe(2);
    expect(sha(at('dir', 'photo.png'))).toBe(original);
  });

  test('decompress: labels reached through a symlinked folder are not written over', () => {
    const labels = at('dir', 'lab.png');
    expect(
      runCli(['compress', at('dir', 'photo.png'), '-k', '4', '-o', labels, '--labels']).code,
    ).toBe(0);
    const before = sha(labels);
    const r = runCli(['decompress', at('dirlink', 'lab.png'), '-o', labels]);
    expect(r.stderr).toMatch(/writing it would replace an input/);
    expect(r.code).toBe(2);
    expect(sha(labels)).toBe(before);
  });

  test('batch into the folder the inputs are in, through a link: every file refused, none replaced', () => {
    const r = runCli(['batch', at('dir', '*.png'), '--out-dir', at('dirlink'), '-k', '4']);
    expect(r.code).toBe(5);
    expect(sha(at('dir', 'photo.png'))).toBe(original);
  });
});

describe('every name POSIX allows works', () => {
  const names = [
    'back\\slash',
    'new\nline',
    '-dash',
    '[a]',
    'star*',
    'q?',
    '{b}',
    '!bang',
    'sp ace',
    'ü',
  ];

  beforeAll(() => {
    mkdirSync(at('names'));
    for (const n of names) copyFileSync(at('dir', 'photo.png'), at('names', `${n}.png`));
  });

  test('batch over a folder glob does each of them, and a rerun skips each of them', () => {
    const run = () =>
      runCli(['batch', at('names', '*'), '--out-dir', at('names-out'), '-k', '4', '--json']);
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(
      readdirSync(at('names-out'))
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(names.map((n) => `${n}.png`).sort());
    const second = run();
    expect(second.code).toBe(0);
    const end = JSON.parse(second.stdout.trim().split('\n').at(-1) as string) as {
      result: { skipped: number; done: number };
    };
    expect(end.result).toMatchObject({ skipped: names.length, done: 0 });
  });

  test('a name given on the command line is that file, glob characters and all', () => {
    const r = runCli([
      'batch',
      at('names', '[a].png'),
      at('names', 'star*.png'),
      at('names', 'back\\slash.png'),
      '--out-dir',
      at('literal-out'),
      '-k',
      '4',
    ]);
    expect(r.code).toBe(0);
    expect(
      readdirSync(at('literal-out'))
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(['[a].png', 'back\\slash.png', 'star*.png'].sort());
  });

  test('a folder given on the command line is every file under it', () => {
    const r = runCli(['batch', at('names'), '--out-dir', at('folder-out'), '-k', '4']);
    expect(r.code).toBe(0);
    expect(readdirSync(at('folder-out')).filter((f) => f.endsWith('.png'))).toHaveLength(
      names.length,
    );
  });

  test.each(names)('compress reads and writes %j', (name) => {
    const out = at('names-compress', `${name}.tif`);
    mkdirSync(at('names-compress'), { recursive: true });
    const r = runCli(['compress', '-k', '4', '-o', out, '--', at('names', `${name}.png`)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(at('names-compress'))).toContain(`${name}.tif`);
  });
});
