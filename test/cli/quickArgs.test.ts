import { expect, test } from 'vitest';
import yargs from 'yargs';
import { compressCommand, compressOptionTable, quickCompressArgs } from '../../src/cli/compress.js';
import { Rng } from '../../src/cluster/Rng.js';

/** What yargs makes of a compress line, configured as the command table configures it. */
async function yargsReads(argv: string[]): Promise<Record<string, unknown> | Error> {
  try {
    return (await yargs(argv)
      .scriptName('gigaquant')
      .version('0.0.0')
      .command('compress <input>', 'compress', (y) => compressCommand(y))
      .demandCommand(1)
      .strict()
      .fail((message, err) => {
        throw err ?? new Error(message);
      })
      .help()
      .exitProcess(false)
      .parseAsync()) as Record<string, unknown>;
  } catch (err) {
    return err as Error;
  }
}

const KEYS = [...Object.keys(compressOptionTable()), 'input'];

async function expectSameAsYargs(argv: string[]): Promise<boolean> {
  const quick = quickCompressArgs(argv);
  if (quick === undefined) return false;
  const full = await yargsReads(argv);
  expect(full, argv.join(' ')).not.toBeInstanceOf(Error);
  const read = full as Record<string, unknown>;
  const quickRead = quick as unknown as Record<string, unknown>;
  for (const key of KEYS) expect(quickRead[key], `${key} in: ${argv.join(' ')}`).toEqual(read[key]);
  return true;
}

test('the commonest compress lines are read without yargs, exactly as yargs reads them', async () => {
  const lines = [
    'compress in.png -k 16 -o out.png',
    'compress huge.tif -k 256 -o out.tif --tile 512 --pyramid --json',
    'compress photo.jpg --k 64 --output=out.png --report',
    'compress photo.jpg -k 64 -o out.png --report r.html --quiet',
    'compress a.tif -o b.npy --labels -k 300 --space oklab --seed 7',
    'compress a.png -o b.png -k 8 --dither --nodata none --max-pixels 1e10',
    'compress a.png -o b.png -k 8 --dither 0.5 --n-init 4 --tol 0.0002 -q',
    'compress a.png -o b.webp --rgb --quality 90 --format webp',
    'compress 123 -o 456 -k 2',
    'compress a.png -o b.tif --stage count --shard 1/4 --work-dir w',
    'compress a.png -o b.png --keep-colors #ff0000,#00ff00 -k 4 --min-psnr 30 --skip-if-larger',
  ];
  for (const line of lines) expect(await expectSameAsYargs(line.split(' ')), line).toBe(true);
});

test('lines the quick reader is unsure of go to yargs', () => {
  for (const line of [
    'compress a.png -o b.png -k 16 --bogus',
    'compress a.png -o b.png -k 16 -k 32',
    'compress a.png -o b.png -k 0x10',
    'compress a.png -o b.png --no-json',
    'compress a.png -o b.png --json false',
    'compress a.png -o b.png --nodata -9999',
    'compress a.png -o b.png --rgb --labels',
    'compress a.png -o b.png --space lab',
    'compress a.png -o b.png --palette-out qml',
    'compress a.png b.png -o c.png',
    'compress a.png',
    'compress -- -a.png -o b.png',
    'compress a.png -o b.png --help',
    'sweep a.png -k 4,8',
  ])
    expect(quickCompressArgs(line.split(' ')), line).toBeUndefined();
});

/** Random lines from the words compress lines are made of, right and wrong. */
function randomLine(random: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const names = Object.keys(compressOptionTable());
  const values = [
    '16',
    '0',
    '0.5',
    '1e3',
    '-3',
    '-0.5',
    'abc',
    '',
    'png',
    'tiff',
    'oklab',
    'rgb',
    'true',
    'false',
    'auto',
    'none',
    '255',
    'count',
    '1/4',
    'x.png',
    '07',
    '.5',
    '#ff0000',
  ];
  const words: string[] = ['compress'];
  if (random() < 0.9) words.push(pick(['in.png', 'a b.tif', '12', 'x.tif']));
  if (random() < 0.8) words.push(random() < 0.5 ? '-o' : '--output', 'out.png');
  const extra = Math.floor(random() * 6);
  for (let i = 0; i < extra; i++) {
    const r = random();
    const flag =
      r < 0.05
        ? pick(['-q', '-k', '-o', '--bogus', '--tmpDir', '--no-json', '-qk', '-', '--'])
        : `--${pick(names)}`;
    if (random() < 0.15) words.push(`${flag}=${pick(values)}`);
    else {
      words.push(flag);
      if (random() < 0.7) words.push(pick(values));
    }
  }
  if (random() < 0.05) words.push(pick(['extra.png', '--help', '--version']));
  return words;
}

test('on random lines, whatever the quick reader accepts, yargs reads the same way', async () => {
  const rng = new Rng(20261128);
  const random = () => rng.next();
  let accepted = 0;
  const lines = 1500;
  for (let i = 0; i < lines; i++) if (await expectSameAsYargs(randomLine(random))) accepted++;
  // The generator must reach the quick path often, or the comparison above proves little.
  expect(accepted).toBeGreaterThan(lines / 10);
}, 120_000);
