import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { quantizeFile } from '../../../src/index.js';
import { runCli } from '../../helpers/cli.js';
import { expectCleanFailure, runIsolated } from '../../helpers/cleanRun.js';
import { flipSegment } from '../../helpers/damage.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { counted, fitSampleFor, forUnits } from '../../../src/model/fitSample.js';

/**
 * `--fit-mpx`: pass 1 counts about that many megapixels of a bigger image (whole tiles of a tiled
 * TIFF, or bands of rows), picked by the seed; pass 2 still maps, and reads, every pixel.
 */
const WIDTH = 2400;
const HEIGHT = 1800;
const TILE = 128;
const folder = tempFolder('gq-fitsample-');
const at = (name: string): string => join(folder.dir, name);
afterAll(() => folder.remove());

beforeAll(async () => {
  const pixels = syntheticPixels(WIDTH, HEIGHT, 3, 8);
  await writeImage(at('photo.png'), pixels, WIDTH, HEIGHT, 3, 'png');
  await sharp(Buffer.from(pixels), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .tiff({ compression: 'deflate', tile: true, tileWidth: TILE, tileHeight: TILE })
    .toFile(at('tiled.tif'));
});

interface Result {
  psnr: number;
  fit: { sampledPixels?: number };
}

function compress(input: string, output: string, ...more: string[]): Result {
  const r = runCli(['compress', input, '-k', '32', '-o', output, '--json', ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Result;
}

/** PSNR of `output` against `input`, both decoded by libvips. */
async function measuredPsnr(input: string, output: string): Promise<number> {
  const [a, b] = await Promise.all(
    [input, output].map((p) => sharp(p).removeAlpha().toColourspace('srgb').raw().toBuffer()),
  );
  let sse = 0;
  for (let i = 0; i < a!.length; i++) sse += ((a![i] as number) - (b![i] as number)) ** 2;
  return 10 * Math.log10((255 * 255 * a!.length) / sse);
}

/**
 * The fit sees only what the sample picks, so how near its palette comes to the full fit's
 * depends on the image: on this smooth image, whose colour follows its position, whole tiles
 * miss colours the full fit sees. What must hold is that the PSNR reported is that of every
 * pixel, as an independent decoder measures it.
 */
test.each([
  ['a tiled TIFF, by tiles', 'tiled.tif', 'tif', []],
  ['a PNG, by bands of rows', 'photo.png', 'png', []],
] as const)(
  '%s: about a quarter counted, the same bytes each time, the PSNR of every pixel',
  async (name, input, format, more) => {
    const tag = name.replace(/\W+/g, '-');
    const full = compress(at(input), at(`full-${tag}.${format}`), ...more);
    const once = compress(at(input), at(`once-${tag}.${format}`), '--fit-mpx', '1', ...more);
    compress(at(input), at(`again-${tag}.${format}`), '--fit-mpx', '1', ...more);
    const share = (once.fit.sampledPixels ?? 0) / (WIDTH * HEIGHT);
    // 4.32 Mpx for 1: one unit in four.
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
    expect(full.fit.sampledPixels).toBeUndefined();
    expect(readFileSync(at(`again-${tag}.${format}`))).toEqual(
      readFileSync(at(`once-${tag}.${format}`)),
    );
    expect(once.psnr).not.toBe(full.psnr);
    const measured = await measuredPsnr(at(input), at(`once-${tag}.${format}`));
    expect(Math.abs(measured - once.psnr)).toBeLessThan(0.001);
  },
);

test.each(['tiled.tif', 'photo.png'])(
  "%s: the band height does not change a sampled fit (its units are the file's, not bands)",
  (input) => {
    const tag = input.replace(/\W+/g, '-');
    const a = compress(at(input), at(`bands-a-${tag}.png`), '--fit-mpx', '1');
    const b = compress(at(input), at(`bands-b-${tag}.png`), '--fit-mpx', '1', '--band-height', '7');
    expect(b.fit.sampledPixels).toBe(a.fit.sampledPixels);
    expect(
      readFileSync(at(`bands-b-${tag}.png`)).equals(readFileSync(at(`bands-a-${tag}.png`))),
    ).toBe(true);
  },
);

test('an image under twice --fit-mpx is counted whole: the bytes of no --fit-mpx', () => {
  const full = compress(at('tiled.tif'), at('whole-a.tif'));
  const under = compress(at('tiled.tif'), at('whole-b.tif'), '--fit-mpx', '3');
  expect(under.fit.sampledPixels).toBeUndefined();
  expect(under.psnr).toBe(full.psnr);
  expect(readFileSync(at('whole-b.tif')).equals(readFileSync(at('whole-a.tif')))).toBe(true);
});

test('a damaged tile the sample leaves out still fails the file: pass 2 reads every tile', async () => {
  const across = Math.ceil(WIDTH / TILE);
  const tiles = across * Math.ceil(HEIGHT / TILE);
  // The seed is the default (1); the picks are those of readTileBlocks.
  const picks = forUnits(fitSampleFor(WIDTH * HEIGHT, 1, 1), tiles);
  const skipped = Array.from({ length: tiles }, (_, i) => i).find(
    (i) => i > 3 * across && !counted(picks, i),
  ) as number;
  const bad = at('bad.tif');
  await flipSegment(at('tiled.tif'), bad, skipped);
  const r = runIsolated(folder.dir, (out, tmp) => [
    'compress',
    bad,
    '-k',
    '8',
    '--fit-mpx',
    '1',
    '-o',
    join(out, 'x.png'),
    '--tmp-dir',
    tmp,
  ]);
  expectCleanFailure(r, 3, /bad\.tif: cannot read rows /);
  const x = (skipped % across) * TILE;
  const y = Math.floor(skipped / across) * TILE;
  expect(r.stderr).toContain(`the tile at x ${x}, y ${y}`);
});

test.each([
  ['tiled.tif', {}],
  ['photo.png', { bandHeight: 32 }],
] as const)("%s: the fit's progress reaches every row, those left out too", async (input, more) => {
  const done: number[] = [];
  await quantizeFile(at(input), at(`progress-${input}.png`), {
    k: 8,
    fitMpx: 1,
    ...more,
    onProgress: (e) => {
      if (e.phase === 'fit') done.push(e.rowsDone);
    },
  });
  expect(done.at(-1)).toBe(HEIGHT);
  expect(done.every((rows, i) => i === 0 || rows >= (done[i - 1] as number))).toBe(true);
});

test('a colour only in tiles the sample skipped: the output says so, and PSNR is not lossless', async () => {
  // 8 x 8 tiles of 64 px, each one flat colour of 8; one tile the sample skips is red alone.
  const side = 512;
  const tile = 64;
  const across = side / tile;
  const fitMpx = 0.06; // 262144 px: one tile in 4
  const picks = forUnits(fitSampleFor(side * side, fitMpx, 1), across * across);
  const red = Array.from({ length: across * across }, (_, i) => i).find(
    (i) => i > across && !counted(picks, i),
  ) as number;
  const pixels = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const t = Math.floor(y / tile) * across + Math.floor(x / tile);
      const o = (y * side + x) * 3;
      if (t === red) pixels.set([255, 0, 0], o);
      else pixels.set([(t % 8) * 30, (t % 8) * 30, 200], o);
    }
  const input = at('flat.tif');
  await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .tiff({ compression: 'deflate', tile: true, tileWidth: tile, tileHeight: tile })
    .toFile(input);
  const run = (...more: string[]) => {
    const r = runCli(['compress', input, '-k', '16', '-o', at('flat.png'), '--json', ...more]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { psnr: number | null; warnings: string[]; colors: number };
  };
  const whole = run();
  expect(whole.psnr).toBeNull();
  expect(whole.colors).toBe(9);
  // The colours of the tiles the sample picks (red is not among them).
  const seen = new Set<number>();
  for (let t = 0; t < across * across; t++) if (counted(picks, t)) seen.add(t % 8);
  const sampled = run('--fit-mpx', String(fitMpx));
  expect(sampled.colors).toBe(seen.size);
  expect(sampled.psnr).not.toBeNull();
  expect(sampled.warnings.join('\n')).toMatch(
    new RegExp(`--fit-mpx counted hold ${seen.size} colours.*exactly`),
  );
});
