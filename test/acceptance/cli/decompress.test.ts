import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let small: string;
beforeAll(async () => {
  folder = tempFolder();
  small = await writeImage(
    join(folder.dir, 'small.png'),
    syntheticPixels(80, 50, 3),
    80,
    50,
    3,
    'png',
  );
});
afterAll(() => folder.remove());

/** Files in the folder whose names contain `part`, temporary ones included. */
const named = (part: string) => readdirSync(folder.dir).filter((f) => f.includes(part));

describe('labels on the command line', () => {
  test.each(['jpg', 'webp'])('--labels -o x.%s is refused (exit 2), nothing written', (ext) => {
    const r = runCli([
      'compress',
      small,
      '-k',
      '8',
      '-o',
      join(folder.dir, `lossy.${ext}`),
      '--labels',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /label images must be lossless.*Write labels as \.png, \.tif or \.npy/,
    );
    expect(named('lossy')).toEqual([]);
  });

  test('a format that contradicts the name is refused with what to do instead', () => {
    const r = runCli([
      'compress',
      small,
      '-k',
      '8',
      '-o',
      join(folder.dir, 'p.jpg'),
      '--format',
      'png',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /p\.jpg: the name says JPEG but the format asked for is PNG; name the file \.png, or drop --format/,
    );
    expect(named('p.jpg')).toEqual([]);
  });

  test('compress --labels then decompress: the palette image, reported as JSON', async () => {
    const labels = join(folder.dir, 'cl.npy');
    const c = runCli(['compress', small, '-k', '8', '-o', labels, '--json']);
    expect(c.code, c.stderr).toBe(0);
    const compressed = JSON.parse(c.stdout) as { kind: string; codebook: { json: string } };
    expect(compressed.kind).toBe('labels');
    expect(existsSync(compressed.codebook.json)).toBe(true);
    const d = runCli(['decompress', labels, '-o', join(folder.dir, 'cl.png'), '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({
      width: 80,
      height: 50,
      colors: 8,
      kind: 'palette',
    });
    const direct = join(folder.dir, 'direct.png');
    expect(runCli(['compress', small, '-k', '8', '-o', direct]).code).toBe(0);
    const raw = (p: string) => sharp(p).raw().toBuffer();
    expect((await raw(join(folder.dir, 'cl.png'))).equals(await raw(direct))).toBe(true);
  });

  test('decompress with no codebook beside the labels says where it looked (exit 3: input missing)', () => {
    const labels = join(folder.dir, 'orphan.png');
    expect(runCli(['compress', small, '-k', '4', '-o', labels, '--labels']).code).toBe(0);
    for (const ext of ['json', 'npy']) rmSync(join(folder.dir, `orphan.codebook.${ext}`));
    const r = runCli(['decompress', labels, '-o', join(folder.dir, 'o.png')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /orphan\.png: no codebook found beside it \(.*orphan\.codebook\.json or \.npy\); give one with --codebook/,
    );
    const named = runCli([
      'decompress',
      labels,
      '--codebook',
      join(folder.dir, 'nope.json'),
      '-o',
      join(folder.dir, 'o.png'),
    ]);
    expect(named.code).toBe(3);
    expect(named.stderr).toMatch(/nope\.json: no such palette file/);
  });

  test('decompress to labels again is refused (exit 2)', () => {
    const labels = join(folder.dir, 'again.png');
    expect(runCli(['compress', small, '-k', '4', '-o', labels, '--labels']).code).toBe(0);
    const r = runCli(['decompress', labels, '-o', join(folder.dir, 'again-out.npy')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/again-out\.npy: decompress writes an image/);
  });

  test('decompress of a colour image: exit 3, names the file, leaves nothing', () => {
    const labels = join(folder.dir, 'ok.png');
    expect(runCli(['compress', small, '-k', '4', '-o', labels, '--labels']).code).toBe(0);
    const r = runCli([
      'decompress',
      small,
      '--codebook',
      join(folder.dir, 'ok.codebook.json'),
      '-o',
      join(folder.dir, 'from-colour.png'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/small\.png: not a label image/);
    expect(named('from-colour')).toEqual([]);
  });
});
