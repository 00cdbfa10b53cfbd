import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isDiskFull } from '../../../src/io/diskSpace.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { expectCleanFailure, runIsolated } from '../../helpers/cleanRun.js';
import { noisyPixels, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

/**
 * Faults from outside: full disks, a closed or full stdout, a killed launcher, a second Ctrl-C,
 * folders shared between hosts, threads that die. Each ends cleanly: a clear code, nothing left
 * behind, nothing stuck, and a later run that does what is left.
 */
const folder = tempFolder('gq-faults-');
const root = folder.dir;
const at = (...parts: string[]): string => join(root, ...parts);
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '-');

/**
 * Filling a disk needs a small filesystem of the test's own: a tmpfs, which only root may mount
 * (CI runs as root). Probed once; where it cannot be done, these tests say why they are skipped.
 */
function probeMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const dir = at('mount-probe');
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return `mount refused: ${(r.stderr || r.error?.message || '').trim()}`;
  spawnSync('umount', [dir]);
  return undefined;
}
const cannotMount = probeMount();
const mounts: string[] = [];
function smallDisk(name: string, size: string): string {
  const dir = at(name);
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cannot mount a tmpfs (${r.stderr.trim()}): run as root`);
  mounts.push(dir);
  return dir;
}

beforeAll(async () => {
  mkdirSync(at('in'));
  for (let i = 0; i < 6; i++)
    await writeImage(
      at('in', `p${i}.png`),
      syntheticPixels(600, 400, 3, 60 + i),
      600,
      400,
      3,
      'png',
    );
  await writeImage(at('wide.tif'), syntheticPixels(1200, 900, 3, 70), 1200, 900, 3, 'tiff-tiled');
});
afterAll(() => {
  for (const dir of mounts.reverse()) spawnSync('umount', [dir]);
  folder.remove();
});

/** A PID that no process has now: a process that ran and ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe.skipIf(cannotMount !== undefined)('full disks (a small tmpfs, mounted as root)', () => {
  test('--tmp-dir without room for the spool: exit 4 with the bytes needed and free, before work', () => {
    const tmp = smallDisk('tiny-tmp', '256k');
    const r = runIsolated(root, (out) => [
      'compress',
      at('in', 'p0.png'),
      '-k',
      '8',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expect(r.stderr).toMatch(/not enough free space .* needs .*bytes.*, has .*bytes/);
    expect(r.code).toBe(4);
    expect(r.outLeft).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('libvips running out of room while it writes is recognised as a full disk', async () => {
    const tmp = smallDisk('full-tmp', '256k');
    const big = sharp(syntheticPixels(600, 400, 3, 1), {
      raw: { width: 600, height: 400, channels: 3 },
    });
    const err = await big.toFile(join(tmp, 'spool.v')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isDiskFull(err)).toBe(true);
  });

  test('an output folder that fills up: exit 4, and no temporary file left in it', () => {
    const out = smallDisk('full-out', '64k');
    const r = runCli([
      'compress',
      at('wide.tif'),
      '-k',
      '256',
      '-o',
      join(out, 'x.tif'),
      '--compression-level',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/x\.tif/);
    expect(readdirSync(out)).toEqual([]);
  });

  test('batch: files that met a full disk are retried by the next run, and done', () => {
    const tmp = smallDisk('batch-tmp', '256k');
    const out = at('batch-full-out');
    const first = runCli([
      'batch',
      at('in', '*.png'),
      '--out-dir',
      out,
      '-k',
      '8',
      '--tmp-dir',
      tmp,
    ]);
    expect(first.code).toBe(5);
    const second = runCli(['batch', at('in', '*.png'), '--out-dir', out, '-k', '8', '--json']);
    expect(second.code).toBe(0);
    const end = JSON.parse(second.stdout.trim().split('\n').at(-1) as string) as {
      result: { done: number; failed: number };
    };
    expect(end.result).toMatchObject({ done: 6, failed: 0 });
  });

  test('a read-only output folder: exit 4 before any work', () => {
    const ro = smallDisk('read-only', '1m');
    spawnSync('mount', ['-o', 'remount,ro', ro]);
    const r = runCli(['compress', at('in', 'p0.png'), '-k', '8', '-o', join(ro, 'x.png')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/x\.png: output folder .* is not writable/);
  });
});

test.skipIf(cannotMount === undefined)(
  `full disks need a small filesystem of their own, which cannot be mounted here (${cannotMount}): skipped`,
  () => {},
);

describe('a closed or full stdout never crashes a run nor leaves its lock or spool', () => {
  test('batch | head -1: every file done, exit 0, no lock, no spool', async () => {
    const out = at('epipe-out');
    const tmp = at('epipe-tmp');
    mkdirSync(tmp);
    const child = spawn(
      process.execPath,
      [CLI, 'batch', at('in', '*.png'), '--out-dir', out, '-k', '8', '--tmp-dir', tmp, '-j', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first line, then go away, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(6);
    expect(readdirSync(out).filter((f) => f.includes('lock'))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('compress --json > /dev/full: the output is written, exit 0, no trace', () => {
    const r = spawnSync(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${CLI}" compress "${at('in', 'p1.png')}" -k 8 -o "${at('devfull.png')}" --json > /dev/full`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).not.toMatch(/ENOSPC|\n\s+at /);
    expect(r.status).toBe(0);
    expect(existsSync(at('devfull.png'))).toBe(true);
  });
});

describe('a killed launcher leaves no orphan and, later, nothing behind', () => {
  test('kill -9 of compress: its worker stops, writes nothing, and leaves no temp files', async () => {
    const out = at('orphan-out');
    const tmp = at('orphan-tmp');
    mkdirSync(out);
    mkdirSync(tmp);
    // A TIFF runs in the launcher's worker process; one-row bands make the run last.
    const launcher = spawn(
      process.execPath,
      [
        CLI,
        'compress',
        at('wide.tif'),
        '-k',
        '16',
        '--band-height',
        '1',
        '-o',
        join(out, 'x.png'),
        '--tmp-dir',
        tmp,
      ],
      { stdio: 'ignore' },
    );
    const workerPid = await new Promise<number>((resolve, reject) => {
      const deadline = Date.now() + 20_000;
      const poll = setInterval(() => {
        const r = spawnSync('pgrep', ['-P', String(launcher.pid)], { encoding: 'utf8' });
        const pid = Number(r.stdout.trim().split('\n')[0]);
        if (pid > 0) {
          clearInterval(poll);
          resolve(pid);
        } else if (Date.now() > deadline) {
          clearInterval(poll);
          reject(new Error('the launcher started no worker'));
        }
      }, 20);
    });
    await new Promise((r) => setTimeout(r, 800));
    launcher.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && existsSync(`/proc/${workerPid}`))
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`/proc/${workerPid}`)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("what a killed run of this host left is removed by the next compress; another host's is not", () => {
    const out = at('stale-out');
    const tmp = at('stale-tmp');
    mkdirSync(out);
    mkdirSync(tmp);
    const pid = deadPid();
    const ownOutput = `.x.png.${HOST}.${pid}.0badc0de.gigaquant-tmp`;
    const ownSpool = `gigaquant-spool.${HOST}.${pid}-AbCdEf`;
    const otherSpool = `gigaquant-spool.another-host.${pid}-AbCdEf`;
    const otherOutput = `.x.png.another-host.${pid}.0badc0de.gigaquant-tmp`;
    writeFileSync(join(out, ownOutput), 'half an image');
    writeFileSync(join(out, otherOutput), 'half an image');
    mkdirSync(join(tmp, ownSpool));
    mkdirSync(join(tmp, otherSpool));
    const r = runCli([
      'compress',
      at('in', 'p2.png'),
      '-k',
      '8',
      '-o',
      join(out, 'x.png'),
      '--tmp-dir',
      tmp,
    ]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([otherOutput, 'x.png'].sort());
    expect(readdirSync(tmp)).toEqual([otherSpool]);
  });
});

test("a second Ctrl-C in batch removes every spool, the worker threads' included", async () => {
  const out = at('ctrlc-out');
  const tmp = at('ctrlc-tmp');
  mkdirSync(tmp);
  mkdirSync(at('ctrlc-in'));
  // Big PNGs: spooling one (which libvips cannot cancel) outlasts the first Ctrl-C's grace.
  for (let i = 0; i < 2; i++) {
    const w = 7000;
    const h = 5000;
    const data = Buffer.alloc(w * h * 3);
    for (let j = 0; j < data.length; j++) data[j] = (j * 7 + i * 13 + (j >> 11)) & 255;
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(at('ctrlc-in', `big${i}.png`));
  }
  const child = spawn(
    process.execPath,
    [
      CLI,
      'batch',
      at('ctrlc-in', '*.png'),
      '--out-dir',
      out,
      '-k',
      '64',
      '--tmp-dir',
      tmp,
      '-j',
      '2',
    ],
    { stdio: 'ignore' },
  );
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Wait until both workers are spooling or reading their spools.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && readdirSync(tmp).length < 2)
    await new Promise((r) => setTimeout(r, 20));
  expect(readdirSync(tmp).length).toBeGreaterThanOrEqual(2);
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 600));
  child.kill('SIGINT');
  const code = await closed;
  expect(code).toBe(130);
  expect(readdirSync(tmp)).toEqual([]);
  expect(readdirSync(out).filter((f) => f.endsWith('.gigaquant-tmp'))).toEqual([]);
}, 90_000);

test('the main thread knows the temporary paths of worker threads, and removes them on a forced exit', async () => {
  const tmp = at('registry-tmp');
  mkdirSync(tmp);
  const dist = (path: string): string => new URL(`../../../dist/${path}`, import.meta.url).href;
  const { tempRegistry } = (await import(dist('runtime/tempRegistry.js'))) as {
    tempRegistry: { has(path: string): boolean; removeAllSync(): void };
  };
  // A worker makes a spool folder and keeps it, as a batch worker mid-file does.
  const made = await new Promise<string>((resolve, reject) => {
    const worker = new Worker(
      `import(${JSON.stringify(dist('io/tempFiles.js'))}).then(async ({ createTempDir }) => {
         const dir = await createTempDir(${JSON.stringify(tmp)});
         require('node:worker_threads').parentPort.postMessage(dir.path);
       });`,
      { eval: true },
    );
    worker.once('message', (path: string) => resolve(path));
    worker.once('error', reject);
  });
  const deadline = Date.now() + 5_000;
  while (!tempRegistry.has(made) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  expect(tempRegistry.has(made)).toBe(true);
  tempRegistry.removeAllSync();
  expect(readdirSync(tmp)).toEqual([]);
});

describe('threads that die', () => {
  test('a batch worker thread that exits after each file: every file still done, no hang', () => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'batch',
        at('in', '*.png'),
        '--out-dir',
        at('dying-out'),
        '-k',
        '8',
        '-j',
        '1',
        '--json',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, GIGAQUANT_FAULT: 'worker-exit-after-file' },
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const end = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      result: { done: number };
    };
    expect(end.result.done).toBe(6);
  });

  test('a k-means partner thread that stops answering: the fit is redone alone, same bytes', async () => {
    // Many distinct colours, so that k-means takes the partner thread.
    const noisy = at('noisy.png');
    await sharp(noisyPixels(600, 400, 3, 12345), { raw: { width: 600, height: 400, channels: 3 } })
      .png()
      .toFile(noisy);
    const normal = runCli(['compress', noisy, '-k', '64', '-o', at('partner-ok.png'), '--json']);
    expect(normal.code).toBe(0);
    const r = spawnSync(
      process.execPath,
      [CLI, 'compress', noisy, '-k', '64', '-o', at('partner-lost.png')],
      {
        encoding: 'utf8',
        env: { ...process.env, GIGAQUANT_FAULT: 'partner-silent' },
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(at('partner-lost.png')).equals(readFileSync(at('partner-ok.png')))).toBe(
      true,
    );
  }, 60_000);
});

test('damaged input in a batch with a shared palette: that file fails, the rest are done', async () => {
  mkdirSync(at('shared-in'));
  for (let i = 0; i < 3; i++)
    await writeImage(
      at('shared-in', `s${i}.png`),
      syntheticPixels(200, 150, 3, 90 + i),
      200,
      150,
      3,
      'png',
    );
  const png = readFileSync(at('shared-in', 's0.png'));
  writeFileSync(at('shared-in', 'cut.png'), png.subarray(0, png.length >> 1));
  const r = runCli([
    'batch',
    at('shared-in', '*.png'),
    '--out-dir',
    at('shared-out'),
    '-k',
    '8',
    '--shared-palette',
    '--json',
  ]);
  expect(r.code).toBe(5);
  const end = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
    result: { done: number; failed: number };
  };
  expect(end.result).toMatchObject({ done: 3, failed: 1 });
});

void expectCleanFailure;
