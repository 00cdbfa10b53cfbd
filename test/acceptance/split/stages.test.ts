import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, runCli, tool } from '../../helpers/cli.js';
import { noisyPixels, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { georeference } from '../../helpers/geo.js';

const COG_VALIDATOR =
  '/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py';

let folder: ReturnType<typeof tempFolder>;
let tiled: string;
let greyPng: string;
let big: string;
let geo: string;
/** Deflate tiles, which gigaquant decodes itself (LZW goes to libvips). */
let ownTiles: string;
beforeAll(async () => {
  folder = tempFolder('gq-split-');
  tiled = await writeImage(
    join(folder.dir, 'tiled.tif'),
    syntheticPixels(700, 530, 3, 7),
    700,
    530,
    3,
    'tiff-tiled',
  );
  greyPng = await writeImage(
    join(folder.dir, 'grey.png'),
    syntheticPixels(333, 1201, 1, 3),
    333,
    1201,
    1,
    'png',
  );
  big = await writeImage(
    join(folder.dir, 'big.tif'),
    noisyPixels(1500, 2400, 3, 11),
    1500,
    2400,
    3,
    'tiff-strip',
  );
  ownTiles = join(folder.dir, 'deflate-tiled.tif');
  await sharp(Buffer.from(syntheticPixels(700, 530, 3, 7)), {
    raw: { width: 700, height: 530, channels: 3 },
  })
    .tiff({ compression: 'deflate', tile: true, tileWidth: 64, tileHeight: 64 })
    .toFile(ownTiles);
  // GDAL, not gigaquant, makes a georeferenced input (with nodata): its tags go into the stitch.
  geo = georeference(tiled, join(folder.dir, 'geo.tif'), { width: 700, height: 530 }, 0);
});
afterAll(() => folder.remove());

/** A fresh folder under the test's own. */
function subfolder(name: string): string {
  const dir = join(folder.dir, name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The four stages run one after another with `n` shares, as any scheduler would run them. */
function runStages(input: string, output: string, work: string, n: number, flags: string[]): void {
  const stage = (name: string, shard?: number) => {
    const r = runCli([
      'compress',
      input,
      '-o',
      output,
      ...flags,
      '--stage',
      name,
      '--work-dir',
      work,
      ...(shard === undefined ? [] : ['--shard', `${shard}/${n}`]),
    ]);
    expect(r.stderr, `${name} ${shard ?? ''}`).toBe('');
    expect(r.code, `${name} ${shard ?? ''}: ${r.stderr}`).toBe(0);
    return r;
  };
  for (let i = 0; i < n; i++) stage('count', i);
  stage('fit');
  for (let i = 0; i < n; i++) stage('apply', i);
  stage('stitch');
}

function single(input: string, output: string, flags: string[]): void {
  const r = runCli(['compress', input, '-o', output, ...flags]);
  expect(r.code, r.stderr).toBe(0);
}

function sameBytes(a: string, b: string): void {
  const x = readFileSync(a);
  const y = readFileSync(b);
  expect(y.length).toBe(x.length);
  expect(y.equals(x)).toBe(true);
}

describe('an image split over tasks gives the bytes of one machine', () => {
  const cases: { name: string; input: () => string; flags: string[]; shares?: number[] }[] = [
    {
      name: 'tiled palette TIFF',
      input: () => tiled,
      flags: ['-k', '48', '--tile', '64'],
      shares: [1, 3, 7],
    },
    { name: 'strips, 16-bit indices', input: () => tiled, flags: ['-k', '300'] },
    { name: 'strips, 4-bit indices', input: () => tiled, flags: ['-k', '12'] },
    { name: 'grey PNG input, labels', input: () => greyPng, flags: ['-k', '12', '--labels'] },
    { name: 'RGB TIFF, tiles', input: () => tiled, flags: ['-k', '20', '--rgb', '--tile', '32'] },
    {
      name: 'GeoTIFF: its georeference and nodata in the directory',
      input: () => geo,
      flags: ['-k', '24', '--tile', '48'],
    },
    {
      name: "--pyramid: a palette COG, odd level heights (levels from the parts' level-1 rows)",
      input: () => tiled,
      flags: ['-k', '48', '--pyramid', '--tile', '32'],
      shares: [1, 3, 7],
    },
    {
      name: '--pyramid: 16-bit labels',
      input: () => tiled,
      flags: ['-k', '300', '--labels', '--pyramid', '--tile', '64'],
    },
    {
      name: '--pyramid: RGB, odd width and height',
      input: () => greyPng,
      flags: ['-k', '12', '--rgb', '--pyramid', '--tile', '16'],
      shares: [2, 5],
    },
    {
      name: '--pyramid: a georeferenced COG',
      input: () => geo,
      flags: ['-k', '24', '--pyramid', '--tile', '64'],
    },
    {
      name: '--fit-mpx: the tiles one machine picks for the fit',
      input: () => ownTiles,
      flags: ['-k', '48', '--tile', '64', '--fit-mpx', '0.1'],
      shares: [1, 3, 7],
    },
    {
      name: '--fit-mpx: the bands one machine picks, labels',
      input: () => greyPng,
      flags: ['-k', '12', '--labels', '--fit-mpx', '0.1', '--band-height', '16'],
      shares: [2, 5],
    },
    {
      name: 'OKLab with a PSNR target',
      input: () => tiled,
      flags: ['-k', '64', '--space', 'oklab', '--target-psnr', '24', '--tile', '128'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const dir = subfolder(c.name);
      const one = join(dir, 'one.tif');
      single(c.input(), one, c.flags);
      for (const n of c.shares ?? [3]) {
        const out = join(dir, `split-${n}.tif`);
        runStages(c.input(), out, join(dir, `work-${n}`), n, c.flags);
        sameBytes(one, out);
        if (c.flags.includes('--labels')) {
          const book = (p: string) => readFileSync(p.replace(/\.tif$/, '.codebook.json'), 'utf8');
          expect(book(out).replace(/split-\d+/, 'one')).toBe(book(one));
        }
      }
      expect(tool('tiffinfo', [one]).code).toBe(0);
      const fitMpx = c.flags.indexOf('--fit-mpx');
      if (fitMpx >= 0) {
        // The sample was taken: every pixel's fit gives other bytes.
        const whole = join(dir, 'whole.tif');
        single(
          c.input(),
          whole,
          c.flags.filter((_, i) => i !== fitMpx && i !== fitMpx + 1),
        );
        expect(readFileSync(whole).equals(readFileSync(one))).toBe(false);
      }
      if (c.input() === geo) expect(tool('gdalinfo', [one]).out).toMatch(/UTM zone 33N/);
      if (c.flags.includes('--pyramid')) {
        expect(tool('gdalinfo', [one]).out).toMatch(/Overviews: /);
        const split = join(dir, `split-${(c.shares ?? [3]).at(-1)}.tif`);
        expect(tool('/usr/bin/python3', [COG_VALIDATOR, split]).out).toMatch(
          /is a valid cloud optimized GeoTIFF/,
        );
      }
    });
  }

  test.each([
    ['', () => tiled, []],
    [', with the pixels a sample counted', () => ownTiles, ['--fit-mpx', '0.1']],
  ])(
    'the summary of the stitch is the one compress prints (PSNR from the summed errors)%s',
    (name, input, more) => {
      const dir = subfolder(`json${name}`);
      const flags = ['-k', '40', '--tile', '64', ...more, '--json'];
      const one = JSON.parse(
        runCli(['compress', input(), '-o', join(dir, 'one.tif'), ...flags]).stdout,
      ) as Record<string, unknown>;
      const work = join(dir, 'w');
      const out = join(dir, 'split.tif');
      runStages(input(), out, work, 2, flags.slice(0, -1));
      const stitched = JSON.parse(
        runCli(['compress', input(), '-o', out, ...flags, '--stage', 'stitch', '--work-dir', work])
          .stdout,
      ) as Record<string, unknown>;
      for (const key of ['psnr', 'mse', 'colors', 'palette', 'outputBytes', 'fit', 'bigtiff'])
        expect(stitched[key], key).toEqual(one[key]);
      if (more.length > 0)
        expect((one.fit as { sampledPixels?: number }).sampledPixels).toBeGreaterThan(0);
    },
  );
});

describe('stages are restartable', () => {
  test('an apply task killed with SIGKILL and run again redoes only its own part', async () => {
    const dir = subfolder('kill');
    const work = join(dir, 'w');
    const out = join(dir, 'split.tif');
    const flags = ['-k', '32', '--band-height', '8'];
    single(big, join(dir, 'one.tif'), flags);
    const stageArgs = (name: string, shard?: string) => [
      'compress',
      big,
      '-o',
      out,
      ...flags,
      '--stage',
      name,
      '--work-dir',
      work,
      ...(shard ? ['--shard', shard] : []),
    ];
    for (const i of [0, 1, 2]) expect(runCli(stageArgs('count', `${i}/3`)).code).toBe(0);
    expect(runCli(stageArgs('fit')).code).toBe(0);
    expect(runCli(stageArgs('apply', '0/3')).code).toBe(0);
    const firstPart = statSync(join(work, 'part.0-of-3.chunks')).mtimeMs;

    // Killed while its part is half written: the temporary part is there, its record is not.
    const child = spawn(process.execPath, [CLI, ...stageArgs('apply', '1/3')], {
      stdio: 'ignore',
      detached: true,
    });
    const deadline = Date.now() + 60_000;
    const partial = () =>
      readdirSync(work).find(
        (f) => f.startsWith('.part.1-of-3.chunks.') && statSync(join(work, f)).size > 0,
      );
    while (!partial()) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('apply never started writing');
      await new Promise((r) => setTimeout(r, 10));
    }
    process.kill(-(child.pid as number), 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(readdirSync(work)).not.toContain('part.1-of-3.json');

    // The stitch refuses until every part is there, naming what is missing.
    const early = runCli(stageArgs('stitch'));
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/apply stage has not finished shares 1, 2 of 3/);

    const again = [0, 1, 2].map((i) => runCli(stageArgs('apply', `${i}/3`)));
    expect(again.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(again[0]!.stdout).toMatch(/already done/);
    expect(again[1]!.stdout).toMatch(/: done/);
    expect(statSync(join(work, 'part.0-of-3.chunks')).mtimeMs).toBe(firstPart);
    expect(runCli(stageArgs('stitch')).code).toBe(0);
    sameBytes(join(dir, 'one.tif'), out);
    // The killed task's temporary part was swept by the rerun.
    expect(readdirSync(work).filter((f) => f.includes('gigaquant-tmp'))).toEqual([]);
  });

  test('a changed input makes its counts stale: they are redone, never mixed in', async () => {
    const dir = subfolder('stale');
    const input = await writeImage(
      join(dir, 'in.tif'),
      syntheticPixels(200, 150, 3, 1),
      200,
      150,
      3,
      'tiff-strip',
    );
    const work = join(dir, 'w');
    const args = (i: number) => [
      'compress',
      input,
      '-o',
      join(dir, 'o.tif'),
      '-k',
      '8',
      '--stage',
      'count',
      '--shard',
      `${i}/2`,
      '--work-dir',
      work,
    ];
    expect(runCli(args(0)).stdout).toMatch(/: done/);
    expect(runCli(args(0)).stdout).toMatch(/already done/);
    utimesSync(input, new Date(), new Date(Date.now() + 5000));
    expect(runCli(args(0)).stdout).toMatch(/: done/);
  });
});

describe('what cannot be split is refused with exit 2', () => {
  const base = () => ['compress', tiled, '-k', '8', '--work-dir', join(folder.dir, 'refused')];
  test.each([
    ['a PNG output', ['-o', join('x', 'o.png'), '--stage', 'fit'], /TIFF outputs/],
    ['dithering', ['-o', 'o.tif', '--dither', '--stage', 'fit'], /--dither cannot be split/],
    ['count without a shard', ['-o', 'o.tif', '--stage', 'count'], /needs --shard/],
    ['fit with a shard', ['-o', 'o.tif', '--stage', 'fit', '--shard', '0/2'], /takes no --shard/],
    [
      'apply before fit',
      ['-o', 'o.tif', '--stage', 'apply', '--shard', '0/2'],
      /run --stage fit first/,
    ],
    [
      '--shard auto outside a scheduler',
      ['-o', 'o.tif', '--stage', 'count', '--shard', 'auto'],
      /neither SLURM_ARRAY_TASK_ID/,
    ],
  ])('%s', (_name, extra, message) => {
    const r = runCli([...base(), ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
