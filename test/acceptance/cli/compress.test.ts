import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.js';
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

describe('gigaquant compress', () => {
  test('prints one summary line with the figures', () => {
    const r = runCli(['compress', small, '-k', '8', '-o', join(folder.dir, 's.png')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /s\.png {2}80x50 {2}k=8 {2}PSNR \d+\.\d\d dB {2}\d\.\d{3} bits\/px {2}in .* {2}out .* {2}.* s {2}peak .*MiB/,
    );
  });

  test('--json prints the result, --quiet prints nothing', () => {
    const r = runCli([
      'compress',
      small,
      '-k',
      '8',
      '-o',
      join(folder.dir, 's.tif'),
      '--json',
      '--seed',
      '9',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      width: 80,
      height: 50,
      k: 8,
      format: 'tiff',
      seed: 9,
      fit: { method: 'kmeans-histogram' },
    });
    expect(json.palette).toHaveLength(json.colors);
    expect(json.palette[0]).toMatch(/^#[0-9a-f]{6}$/);
    expect(json.psnr).toBeGreaterThan(15);
    expect(json.peakRssBytes).toBeGreaterThan(1e6);
    const q = runCli(['compress', small, '-k', '8', '-o', join(folder.dir, 'q.png'), '--quiet']);
    expect(q.code).toBe(0);
    expect(q.stdout + q.stderr).toBe('');
  });

  test('--json reports errors as JSON too', () => {
    const r = runCli([
      'compress',
      join(folder.dir, 'nope.png'),
      '-k',
      '8',
      '-o',
      join(folder.dir, 'n.png'),
      '--json',
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'E_INPUT_MISSING' } });
  });
});

/** Starts the CLI, waits until `ready()` holds, sends SIGINT and resolves with the exit code. */
function interruptWhen(
  args: string[],
  ready: () => boolean,
): Promise<{ code: number | null; sawReady: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    let sawReady = false;
    const poll = setInterval(() => {
      if (!sawReady && ready()) {
        sawReady = true;
        child.kill('SIGINT');
      }
    }, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, sawReady });
    });
  });
}

test('--version prints the package version (answered by the launcher before the CLI loads)', () => {
  const pkg = JSON.parse(readFileSync(join(CLI, '../../../package.json'), 'utf8')) as {
    version: string;
  };
  const r = runCli(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`${pkg.version}\n`);
  // Given with a command, it is that command's business, as before.
  expect(runCli(['compress', '--version']).stdout).toBe(`${pkg.version}\n`);
});

describe('Ctrl-C', () => {
  test('during pass 2: exit 130, no output, no temporary output', async () => {
    const [w, h] = [1500, 1000];
    const input = await writeImage(
      join(folder.dir, 'int.tif'),
      syntheticPixels(w, h, 3),
      w,
      h,
      3,
      'tiff-strip',
    );
    const out = join(folder.dir, 'int-out');
    mkdirSync(out);
    const r = await interruptWhen(
      ['compress', input, '-k', '64', '-o', join(out, 'int.png'), '--band-height', '4'],
      () => readdirSync(out).some((f) => f.endsWith('.gigaquant-tmp')),
    );
    expect(r.sawReady).toBe(true);
    expect(r.code).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  });

  test('while a PNG is being spooled: exit 130 and the spool removed', async () => {
    const [w, h] = [6000, 4000];
    const input = join(folder.dir, 'spool.png');
    await sharp({
      create: {
        width: w,
        height: h,
        channels: 3,
        background: '#000000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png({ compressionLevel: 1 })
      .toFile(input);
    const tmp = join(folder.dir, 'spool-tmp');
    mkdirSync(tmp);
    const out = join(folder.dir, 'spool-out.png');
    const r = await interruptWhen(
      ['compress', input, '-k', '16', '-o', out, '--tmp-dir', tmp],
      () => readdirSync(tmp).length > 0,
    );
    expect(r.sawReady).toBe(true);
    expect(r.code).toBe(130);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
