import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let inputs: string;
let good: string;
let goodTif: string;
beforeAll(async () => {
  folder = tempFolder();
  inputs = join(folder.dir, 'in');
  mkdirSync(inputs);
  good = await writeImage(join(inputs, 'good.png'), syntheticPixels(64, 48, 3), 64, 48, 3, 'png');
  goodTif = await writeImage(
    join(inputs, 'good.tif'),
    syntheticPixels(64, 48, 3),
    64,
    48,
    3,
    'tiff-strip',
  );
  const png = readFileSync(good);
  writeFileSync(join(inputs, 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
  const tif = readFileSync(goodTif);
  writeFileSync(join(inputs, 'truncated.tif'), tif.subarray(0, Math.floor(tif.length / 2)));
  writeFileSync(
    join(inputs, 'corrupt.png'),
    Buffer.from('this is not an image at all, just text '.repeat(40)),
  );
  writeFileSync(join(inputs, 'empty.png'), Buffer.alloc(0));
  mkdirSync(join(inputs, 'folder.png'));
  writeFileSync(join(folder.dir, 'a-file'), 'x');
});
afterAll(() => folder.remove());

/** Runs a failing command in fresh output and temp folders, and checks it left both empty. */
function expectFailure(args: (out: string) => string[], exitCode: number, message: RegExp): void {
  const out = join(folder.dir, `out-${Math.random().toString(36).slice(2)}`);
  const tmp = join(folder.dir, `tmp-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  mkdirSync(tmp);
  const r = runCli([...args(out), '--tmp-dir', tmp]);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^gigaquant: error: /m);
  expect(r.code).toBe(exitCode);
  expect(readdirSync(out)).toEqual([]);
  expect(readdirSync(tmp)).toEqual([]);
}

describe('bad input: exit code 3, the file named, nothing left behind', () => {
  test.each([
    ['missing.png', /missing\.png: no such file/],
    ['folder.png', /folder\.png: is a directory/],
    ['corrupt.png', /corrupt\.png: not a readable image/],
    ['empty.png', /empty\.png: file is empty/],
    ['truncated.png', /truncated\.png: (cannot decode|not a readable)/],
    ['truncated.tif', /truncated\.tif: (cannot read rows|not a readable)/],
  ])('%s', (name, message) => {
    expectFailure(
      (out) => ['compress', join(inputs, name), '-k', '8', '-o', join(out, 'x.png')],
      3,
      message,
    );
  });

  test('an image larger than --max-pixels', () => {
    expectFailure(
      (out) => ['compress', good, '-k', '8', '-o', join(out, 'x.png'), '--max-pixels', '1000'],
      3,
      /good\.png: 64x48 is 3072 pixels, more than --max-pixels 1000/,
    );
  });
});

describe('bad options: exit code 2', () => {
  test.each([
    [
      ['-k', '300'],
      'x.gif',
      /between 1 and 256 for k for GIF rgb output .*x\.gif but received 300/,
    ],
    [
      ['-k', '8', '--format', 'tiff'],
      'x.png',
      /x\.png: the name says PNG but the format asked for is TIFF/,
    ],
    [['-k', '8', '--format', 'palette'], 'x.png', /Invalid values:[\s\S]*format/],
    [['-k', '0'], 'x.tif', /between 1 and 65536 for k/],
    [['-k', '8'], 'x.bmp', /x\.bmp: unknown output extension '\.bmp'/],
    [['-k', 'many'], 'x.png', /for k/],
  ])('%j with output %s', (flags, name, message) => {
    expectFailure((out) => ['compress', good, ...flags, '-o', join(out, name)], 2, message);
  });

  test('a missing -k is a usage error', () => {
    expectFailure(
      (out) => ['compress', good, '-o', join(out, 'x.png')],
      2,
      /k is required \(-k N\)/,
    );
  });

  test('output over the input is refused', () => {
    expectFailure(
      () => ['compress', goodTif, '-k', '8', '-o', goodTif],
      2,
      /writing it would replace an input/,
    );
  });
});

describe('unwritable output: exit code 4', () => {
  test('output folder that does not exist', () => {
    expectFailure(
      (out) => ['compress', good, '-k', '8', '-o', join(out, 'no', 'such', 'x.png')],
      4,
      /output folder .* does not exist/,
    );
  });

  test('output folder that is a file', () => {
    expectFailure(
      () => ['compress', good, '-k', '8', '-o', join(folder.dir, 'a-file', 'x.png')],
      4,
      /x\.png: output folder .*a-file is not writable/,
    );
  });

  test('output that is a directory', () => {
    expectFailure(
      (out) => ['compress', good, '-k', '8', '-o', out + '/'],
      2,
      /unknown output extension/,
    );
    const dirOut = join(folder.dir, 'dir.png');
    mkdirSync(dirOut, { recursive: true });
    const r = runCli(['compress', good, '-k', '8', '-o', dirOut]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/dir\.png: is a directory/);
  });
});
