import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { decodeRgba, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let input: string;
const at = (name: string): string => join(folder.dir, name);
const W = 400;
const H = 250;
/** A 10x10 patch of pure red: 0.1% of the pixels, a colour k-means merges away. */
const PATCH = 10;
const RED = [255, 0, 0];

beforeAll(async () => {
  folder = tempFolder('gq-keep-');
  const pixels = syntheticPixels(W, H, 3, 12);
  for (let y = 100; y < 100 + PATCH; y++)
    for (let x = 200; x < 200 + PATCH; x++) pixels.set(RED, (y * W + x) * 3);
  input = await writeImage(at('in.png'), pixels, W, H, 3, 'png');
}, 30_000);
afterAll(() => folder.remove());

function palette(r: { stdout: string }): string[] {
  return JSON.parse(r.stdout).palette as string[];
}

/** Pure red pixels inside the patch. */
async function redPixels(path: string): Promise<number> {
  const { data, channels, width } = await decodeRgba(path);
  let n = 0;
  for (let y = 100; y < 100 + PATCH; y++)
    for (let x = 200; x < 200 + PATCH; x++) {
      const i = (y * width + x) * channels;
      if (data[i] === 255 && data[i + 1] === 0 && data[i + 2] === 0) n++;
    }
  return n;
}

test('a colour on 0.1% of the pixels is merged away by plain k-means, and kept exactly with --keep-colors', async () => {
  const plain = runCli(['compress', input, '-k', '8', '-o', at('plain.png'), '--json']);
  expect(plain.code, plain.stderr).toBe(0);
  expect(palette(plain)).not.toContain('#ff0000');
  expect(await redPixels(at('plain.png'))).toBe(0);

  for (const [name, extra] of [
    ['kept.png', []],
    ['kept-oklab.png', ['--space', 'oklab']],
    ['kept.tif', ['--tile', '64']],
  ] as const) {
    const r = runCli([
      'compress',
      input,
      '-k',
      '8',
      '-o',
      at(name),
      '--keep-colors',
      '#ff0000,#0000ff',
      '--json',
      ...extra,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(palette(r)).toContain('#ff0000');
    expect(palette(r)).toContain('#0000ff');
    expect(palette(r)).toHaveLength(8);
    // Every red pixel of the input is red in the output.
    expect(await redPixels(at(name)), name).toBe(PATCH * PATCH);
  }
});

test('kept colours from a palette file; a grey image keeps a colour in an RGB palette', async () => {
  expect(
    runCli(['compress', input, '-k', '4', '-o', at('four.png'), '--palette-out', at('four.gpl')])
      .code,
  ).toBe(0);
  const fromFile = runCli([
    'compress',
    input,
    '-k',
    '6',
    '-o',
    at('six.png'),
    '--keep-colors',
    at('four.gpl'),
    '--json',
  ]);
  expect(fromFile.code, fromFile.stderr).toBe(0);
  const four = palette(
    runCli(['compress', input, '-k', '4', '-o', at('four-again.png'), '--json']),
  );
  for (const c of four) expect(palette(fromFile)).toContain(c);

  const grey = await writeImage(at('grey.png'), syntheticPixels(120, 80, 1, 3), 120, 80, 1, 'png');
  const r = runCli([
    'compress',
    grey,
    '-k',
    '5',
    '-o',
    at('grey-out.png'),
    '--keep-colors',
    'ff0000',
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(palette(r)).toContain('#ff0000');
});

test('translucent RGBA (fitted on a sample) keeps them too, alpha included', async () => {
  const rgba = syntheticPixels(160, 100, 4, 5);
  const path = await writeImage(at('rgba.png'), rgba, 160, 100, 4, 'png');
  const r = runCli([
    'compress',
    path,
    '-k',
    '16',
    '-o',
    at('rgba-out.png'),
    '--keep-colors',
    '#00ff0080',
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).fit.method).toBe('mini-batch-kmeans');
  expect(palette(r)).toContain('#00ff0080');
});

test('batch with a shared palette keeps them; errors are usage errors naming the colour', () => {
  mkdirSync(at('many'));
  const out = at('many-out');
  for (const i of [1, 2]) runCli(['compress', input, '-k', '200', '-o', at(`many/${i}.png`)]);
  const b = runCli([
    'batch',
    at('many/*.png'),
    '--out-dir',
    out,
    '-k',
    '8',
    '--shared-palette',
    '--keep-colors',
    '#ff0000',
    '--json',
  ]);
  expect(b.code, b.stdout + b.stderr).toBe(0);
  expect(b.stdout).toContain('"palette"');
  const shared = runCli([
    'compress',
    at('many/1.png'),
    '--palette',
    join(out, 'gigaquant-palette.json'),
    '-o',
    at('via-shared.png'),
    '--json',
  ]);
  expect(palette(shared)).toContain('#ff0000');

  const tooMany = runCli([
    'compress',
    input,
    '-k',
    '2',
    '-o',
    at('x.png'),
    '--keep-colors',
    'f00,0f0,00f',
  ]);
  expect(tooMany.code).toBe(2);
  expect(tooMany.stderr).toMatch(/3 colours .* at most 2/);
  const bad = runCli([
    'compress',
    input,
    '-k',
    '8',
    '-o',
    at('x.png'),
    '--keep-colors',
    '#ff0000,#12345',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/"#12345" is not a colour/);
  const withPalette = runCli([
    'compress',
    input,
    '--palette',
    at('four.gpl'),
    '-o',
    at('x.png'),
    '--keep-colors',
    'f00',
  ]);
  expect(withPalette.code).toBe(2);
});
