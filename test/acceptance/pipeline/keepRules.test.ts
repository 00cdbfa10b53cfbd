import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { noisyPixels, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let smooth: string;
let noisy: string;
const at = (name: string): string => join(folder.dir, name);
const leftovers = (dir: string): string[] =>
  readdirSync(dir).filter((f) => f.includes('gigaquant-tmp'));

beforeAll(async () => {
  folder = tempFolder('gq-rules-');
  mkdirSync(at('in'));
  smooth = await writeImage(
    at('in/smooth.png'),
    syntheticPixels(160, 100, 3, 3),
    160,
    100,
    3,
    'png',
  );
  noisy = await writeImage(at('in/noisy.png'), noisyPixels(160, 100, 3, 4), 160, 100, 3, 'png');
}, 30_000);
afterAll(() => folder.remove());

test('--min-psnr: below it nothing is written and the exit code is 99; above it the output is written', () => {
  const psnr = (r: { stdout: string }): number => JSON.parse(r.stdout).psnr as number;
  const plain = runCli(['compress', noisy, '-k', '8', '-o', at('probe.png'), '--json']);
  expect(plain.code).toBe(0);
  const reached = psnr(plain);
  const refused = runCli([
    'compress',
    noisy,
    '-k',
    '8',
    '-o',
    at('refused.png'),
    '--min-psnr',
    String(reached + 0.5),
    '--json',
  ]);
  expect(refused.code).toBe(99);
  expect(JSON.parse(refused.stdout).rejected).toMatchObject({ rule: 'min-psnr', original: false });
  expect(existsSync(at('refused.png'))).toBe(false);
  const text = runCli([
    'compress',
    noisy,
    '-k',
    '8',
    '-o',
    at('refused.png'),
    '--min-psnr',
    String(reached + 0.5),
  ]);
  expect(text.stdout).toMatch(/refused\.png: not written: PSNR .* is below --min-psnr/);
  const kept = runCli([
    'compress',
    noisy,
    '-k',
    '8',
    '-o',
    at('kept.png'),
    '--min-psnr',
    String(reached - 0.5),
  ]);
  expect(kept.code).toBe(0);
  expect(existsSync(at('kept.png'))).toBe(true);
  expect(leftovers(folder.dir)).toEqual([]);
});

test('--skip-if-larger: an output not smaller than the input is not written (exit 98); --copy-original puts the input there instead', () => {
  // An input of 4 colours at 2 bits per pixel, deflated; the same 4 colours uncompressed: larger.
  const fourColours = at('four.png');
  expect(
    runCli(['compress', smooth, '-k', '4', '-o', fourColours, '--compression-level', '9']).code,
  ).toBe(0);
  const larger = [
    'compress',
    fourColours,
    '-k',
    '4',
    '--compression-level',
    '0',
    '--skip-if-larger',
  ];
  const r = runCli([...larger, '-o', at('big.png')]);
  expect(r.code).toBe(98);
  expect(r.stdout).toMatch(/not smaller than the input/);
  expect(existsSync(at('big.png'))).toBe(false);
  const copied = runCli([...larger, '-o', at('copy.png'), '--copy-original']);
  expect(copied.code).toBe(98);
  expect(readFileSync(at('copy.png')).equals(readFileSync(fourColours))).toBe(true);
  const smaller = runCli([
    'compress',
    smooth,
    '-k',
    '4',
    '--skip-if-larger',
    '-o',
    at('small.png'),
  ]);
  expect(smaller.code).toBe(0);
  expect(statSync(at('small.png')).size).toBeLessThan(statSync(smooth).size);
  // A copy under a name of another format would lie: refused before any work.
  const lie = runCli([...larger, '-o', at('copy.tif'), '--copy-original']);
  expect(lie.code).toBe(2);
  expect(existsSync(at('copy.tif'))).toBe(false);
  expect(runCli(['compress', smooth, '-k', '4', '-o', at('x.png'), '--copy-original']).code).toBe(
    2,
  );
  expect(leftovers(folder.dir)).toEqual([]);
});

test('batch records refused outputs as rejected, exits 0, and does not redo them until the options change', () => {
  const out = at('batch');
  const args = [
    'batch',
    at('in/*.png'),
    '--out-dir',
    out,
    '-k',
    '8',
    '--min-psnr',
    '18',
    '--concurrency',
    '1',
  ];
  const first = runCli(args);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/1 done, 0 skipped, 1 rejected, 0 failed/);
  expect(first.stdout).toMatch(/rejected noisy\.png: PSNR .* below --min-psnr 18/);
  const manifest = (): Record<
    string,
    { status: string; rejected?: { rule: string }; retried?: boolean }
  > =>
    Object.fromEntries(
      readFileSync(join(out, 'gigaquant-manifest.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((r) => [r.input, r]),
    );
  expect(manifest()['noisy.png']).toMatchObject({
    status: 'rejected',
    rejected: { rule: 'min-psnr' },
  });
  expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toEqual(['smooth.png']);
  const report = runCli(['report', out, '-o', join(out, 'r.html')]);
  expect(report.code, report.stderr).toBe(0);
  expect(readFileSync(join(out, 'r.html'), 'utf8')).toContain('below --min-psnr 18');

  const again = runCli(args);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/0 done, 1 skipped, 1 rejected/);
  expect(manifest()['noisy.png']).toMatchObject({ status: 'rejected', retried: false });

  const lower = runCli([...args.slice(0, -4), '--min-psnr', '5', '--concurrency', '1']);
  expect(lower.code).toBe(0);
  expect(lower.stdout).toMatch(/2 done, 0 skipped, 0 failed/);
  expect(leftovers(out)).toEqual([]);
});

test('batch --palette-out takes format names only, and writes one beside each output', () => {
  const out = at('batch-pal');
  const paths = runCli([
    'batch',
    at('in/*.png'),
    '--out-dir',
    out,
    '-k',
    '4',
    '--palette-out',
    at('p.gpl'),
  ]);
  expect(paths.code).toBe(2);
  const r = runCli([
    'batch',
    at('in/*.png'),
    '--out-dir',
    out,
    '-k',
    '4',
    '--palette-out',
    'gpl',
    '--format',
    'tiff',
    '--palette-out',
    'qml',
  ]);
  expect(r.code, r.stderr).toBe(0);
  expect(
    readdirSync(out)
      .filter((f) => /\.(gpl|qml)$/.test(f))
      .sort(),
  ).toEqual(['noisy.gpl', 'noisy.qml', 'smooth.gpl', 'smooth.qml']);
});
