import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let input: string;
const at = (name: string): string => join(folder.dir, name);
beforeAll(async () => {
  folder = tempFolder('gq-palette-out-');
  input = await writeImage(at('in.png'), syntheticPixels(120, 80, 3, 9), 120, 80, 3, 'png');
});
afterAll(() => folder.remove());

async function rgbPixels(path: string): Promise<Buffer> {
  return sharp(path).toColourspace('srgb').removeAlpha().raw().toBuffer();
}

test('--palette-out writes every format beside a label TIFF; gdaldem colours the labels with the .txt exactly as decompress does', async () => {
  const formats = ['json', 'npy', 'gpl', 'act', 'txt', 'qml'];
  const r = runCli([
    'compress',
    input,
    '-k',
    '12',
    '--labels',
    '-o',
    at('labels.tif'),
    ...formats.flatMap((f) => ['--palette-out', f]),
  ]);
  expect(r.code, r.stderr).toBe(0);
  for (const f of formats) expect(existsSync(at(`labels.${f}`)), f).toBe(true);
  expect(runCli(['decompress', at('labels.tif'), '-o', at('restored.png')]).code).toBe(0);
  // -nearest_color_entry: on whole-number labels it is the exact entry (GDAL 3.6's
  // -exact_color_entry leaves every label above 0 black on a Byte band).
  const relief = tool('gdaldem', [
    'color-relief',
    '-nearest_color_entry',
    at('labels.tif'),
    at('labels.txt'),
    at('relief.tif'),
  ]);
  expect(relief.code, relief.out).toBe(0);
  expect((await rgbPixels(at('relief.tif'))).equals(await rgbPixels(at('restored.png')))).toBe(
    true,
  );
});

test('a palette read back from each format gives the same image as the palette it was written from', async () => {
  expect(
    runCli([
      'compress',
      input,
      '-k',
      '9',
      '-o',
      at('fit.png'),
      ...['gpl', 'act', 'txt', 'qml', 'json', 'npy'].flatMap((f) => ['--palette-out', f]),
    ]).code,
  ).toBe(0);
  const fitted = await rgbPixels(at('fit.png'));
  for (const f of ['gpl', 'act', 'txt', 'qml', 'json', 'npy']) {
    const r = runCli(['compress', input, '--palette', at(`fit.${f}`), '-o', at(`again-${f}.png`)]);
    expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    expect((await rgbPixels(at(`again-${f}.png`))).equals(fitted), f).toBe(true);
  }
});

test("GDAL's rgb2pct.py takes our .txt as its colour table", () => {
  expect(
    runCli([
      'compress',
      input,
      '-k',
      '7',
      '-o',
      at('seven.tif'),
      '--palette-out',
      at('seven-colours.txt'),
    ]).code,
  ).toBe(0);
  const r = tool('rgb2pct.py', ['-pct', at('seven-colours.txt'), input, at('pct.tif')]);
  expect(r.code, r.out).toBe(0);
  // rgb2pct fills the table to 256 entries with the last colour; the first seven are ours.
  const table = /Color Table[^\n]*\n((?:\s+\d+: [\d,]+\n){7})/.exec(
    tool('gdalinfo', [at('pct.tif')]).out,
  );
  const ours = readFileSync(at('seven-colours.txt'), 'utf8').trim().split('\n');
  expect(
    table?.[1]
      ?.trim()
      .split('\n')
      .map((l) => l.trim().replace(/: |,/g, ' ').replace(/ 255$/, '')),
  ).toEqual(ours);
});

test('a malformed palette file: exit 3, naming the file and the line; nothing written', () => {
  writeFileSync(at('bad.gpl'), 'GIMP Palette\nName: bad\n10 20 30\n10 20\n');
  const r = runCli(['compress', input, '--palette', at('bad.gpl'), '-o', at('never.png')]);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/bad\.gpl:4: not a palette/);
  expect(existsSync(at('never.png'))).toBe(false);
});

test('--palette-out may not name the input, by any path; a name that is no palette format is a usage error', () => {
  // A palette "file" that is the input itself, reached through a symlinked folder.
  const victim = at('victim.json');
  writeFileSync(victim, '{"colors": [[1, 2, 3]]}');
  symlinkSync(folder.dir, at('link'));
  const before = readFileSync(victim);
  const clash = runCli([
    'compress',
    victim,
    '-k',
    '2',
    '-o',
    at('z.tif'),
    '--palette-out',
    join(at('link'), 'victim.json'),
  ]);
  expect(clash.code).toBe(2);
  expect(clash.stderr).toMatch(/victim\.json/);
  expect(readFileSync(victim).equals(before)).toBe(true);
  expect(existsSync(at('z.tif'))).toBe(false);
  const unknown = runCli(['compress', input, '-k', '2', '-o', at('w.png'), '--palette-out', 'pal']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/json, npy, gpl, act, txt, qml/);
  expect(readdirSync(folder.dir).filter((f) => f.includes('gigaquant-tmp'))).toEqual([]);
});
