import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

/**
 * The bytes gigaquant writes are its contract: fixed inputs, options and seeds must give the
 * same files before and after any restructuring. The hashes in golden.json were recorded from
 * the code as it stood before the layering work (issue 12); `GOLDEN_UPDATE=1 npm test` rewrites
 * them, which is only right when an output is meant to change (say so in the commit).
 */
const GOLDEN = new URL('./golden.json', import.meta.url);
const update = process.env.GOLDEN_UPDATE === '1';
const recorded: Record<string, string> = update
  ? {}
  : (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>);
const seen: Record<string, string> = {};

const folder = tempFolder('gq-golden-');
const dir = folder.dir;
const at = (name: string): string => join(dir, name);
const input = (name: string): string => join(dir, 'in', name);

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function expectGolden(name: string, path: string): void {
  const hash = sha256(path);
  seen[name] = hash;
  if (!update) expect(hash, name).toBe(recorded[name]);
}

function compress(args: string[]): void {
  const r = runCli(['compress', ...args, '-q']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

beforeAll(async () => {
  mkdirSync(join(dir, 'in'));
  await writeImage(input('photo.png'), syntheticPixels(96, 64, 3, 11), 96, 64, 3, 'png');
  await writeImage(input('grey.png'), syntheticPixels(80, 40, 1, 12), 80, 40, 1, 'png');
  await writeImage(input('rgba.png'), syntheticPixels(64, 48, 4, 13), 64, 48, 4, 'png');
  await writeImage(input('tiled.tif'), syntheticPixels(150, 90, 3, 14), 150, 90, 3, 'tiff-tiled');
  await writeImage(input('photo.jpg'), syntheticPixels(72, 56, 3, 15), 72, 56, 3, 'jpeg');
});

afterAll(() => {
  if (update) writeFileSync(GOLDEN, JSON.stringify(seen, null, 2) + '\n');
  folder.remove();
});

/** The hashes before the default number of runs changed (3 up to k = 32) were made with one. */
const ONE_RUN = ['--n-init', '1'];

describe('golden outputs (SHA-256 of every byte)', () => {
  const cases: [string, string, string[]][] = [
    ['palette.png', 'photo.png', ['-k', '16']],
    ['palette.k2.png', 'photo.png', ['-k', '2']],
    ['palette.tif', 'photo.png', ['-k', '16']],
    ['palette.tiled.tif', 'tiled.tif', ['-k', '32', '--tile', '32']],
    ['palette.k300.tif', 'tiled.tif', ['-k', '300']],
    ['grey.png', 'grey.png', ['-k', '8']],
    ['rgba.png', 'rgba.png', ['-k', '12']],
    ['rgba.tif', 'rgba.png', ['-k', '12']],
    // Transparent pixels as colour, as before --nodata: the bytes of the outputs made then.
    ['rgba.nodata-none.png', 'rgba.png', ['-k', '12', '--nodata', 'none']],
    ['rgba.nodata-none.tif', 'rgba.png', ['-k', '12', '--nodata', 'none']],
    ['dither.png', 'photo.png', ['-k', '8', '--dither', '0.8']],
    ['oklab.png', 'photo.png', ['-k', '16', '--space', 'oklab']],
    ['ninit.png', 'photo.jpg', ['-k', '16', '--n-init', '3', '--seed', '5']],
    ['rgb.png', 'photo.png', ['-k', '16', '--rgb']],
    ['rgb.tif', 'photo.png', ['-k', '16', '--rgb', '--tile', '16']],
    ['rgb.jpg', 'photo.png', ['-k', '16']],
    ['rgb.webp', 'photo.png', ['-k', '16']],
    ['rgb.lossy.webp', 'photo.png', ['-k', '16', '--quality', '70']],
    ['rgb.gif', 'photo.png', ['-k', '16']],
    ['labels-k16.png', 'photo.png', ['-k', '16', '--labels']],
    ['labels-k300.tif', 'tiled.tif', ['-k', '300', '--labels']],
    ['labels-npy.npy', 'photo.png', ['-k', '16']],
  ];
  test.each(cases)('compress %s', (out, source, args) => {
    // Recorded with one k-means run at every k; the default of more runs at small k has its own
    // cases below.
    const runs = args.includes('--n-init') ? [] : ONE_RUN;
    compress([input(source), ...args, ...runs, '-o', at(out)]);
    expectGolden(out, at(out));
    if (out.startsWith('labels.')) {
      const base = out.replace(/\.[^.]+$/, '');
      expectGolden(`${base}.codebook.npy`, at(`${base}.codebook.npy`));
      expectGolden(`${base}.codebook.json`, at(`${base}.codebook.json`));
    }
  });

  test('decompress labels.npy to a palette PNG and a JPEG', () => {
    compress([input('photo.png'), '-k', '16', ...ONE_RUN, '-o', at('d.npy')]);
    for (const out of ['back.png', 'back.jpg']) {
      const r = runCli(['decompress', at('d.npy'), '-o', at(out), '-q']);
      expect(r.code).toBe(0);
      expectGolden(`decompress ${out}`, at(out));
    }
  });

  test('batch with a shared palette', () => {
    const r = runCli([
      'batch',
      input('*.png'),
      '--out-dir',
      at('batch'),
      '-k',
      '16',
      '--shared-palette',
      '--concurrency',
      '2',
      ...ONE_RUN,
      '-q',
    ]);
    expect(r.code).toBe(0);
    for (const name of ['photo.png', 'grey.png', 'rgba.png', 'gigaquant-palette.npy'])
      expectGolden(`batch ${name}`, join(dir, 'batch', name));
  });

  test.each([
    ['default-runs.k16.png', 'photo.png', ['-k', '16']],
    ['default-runs.grey.png', 'grey.png', ['-k', '8']],
    ['default-runs.rgba.png', 'rgba.png', ['-k', '12']],
  ] as [string, string, string[]][])(
    'compress %s (the default runs at small k)',
    (out, source, args) => {
      compress([input(source), ...args, '-o', at(out)]);
      expectGolden(out, at(out));
    },
  );
});
