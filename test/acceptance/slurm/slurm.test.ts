import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI } from '../../helpers/cli.js';
import { noisyPixels, syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { jobsGone, slurmMissing, startSlurm } from '../../helpers/slurm.js';

const missing = slurmMissing();
if (missing) console.warn(`Slurm tests skipped: ${missing}`);

/** Runs the CLI in `cwd` (the job scripts run there too: relative paths must keep working). */
function gq(cwd: string, args: string[], timeout = 300_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (/\.(png|tif)$/.test(name)) out.set(name, readFileSync(join(dir, name)));
  }
  return out;
}

function manifestRecords(dir: string): Map<string, { status: string; runId: string }> {
  const byInput = new Map<string, { status: string; runId: string }>();
  for (const line of readFileSync(join(dir, 'gigaquant-manifest.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { input: string; status: string; runId: string };
    byInput.set(r.input, r);
  }
  return byInput;
}

describe.skipIf(missing !== undefined)('on a real Slurm (one node)', () => {
  let folder: ReturnType<typeof tempFolder>;
  let slurm: { stop(): void };
  beforeAll(async () => {
    slurm = startSlurm();
    folder = tempFolder('gq-slurm-');
    const dir = join(folder.dir, 'scans');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const side = 120 + 40 * (i % 5);
      await writeImage(
        join(dir, i % 3 ? `s${i}.png` : `sub/s${i}.tif`),
        syntheticPixels(side, side + 10, 3, i),
        side,
        side + 10,
        3,
        i % 3 ? 'png' : 'tiff-strip',
      );
    }
    writeFileSync(join(dir, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n not really a png'));
  }, 120_000);
  afterAll(() => {
    folder?.remove();
    slurm?.stop();
  });

  test('slurm batch --tasks 3 --wait: exit 5 for the corrupt file, the bytes of a local batch, one merged manifest', () => {
    const cwd = folder.dir;
    const local = gq(cwd, ['batch', 'scans/**/*', '--out-dir', 'local', '-k', '12', '--quiet']);
    expect(local.code, local.stderr).toBe(5);
    const run = gq(cwd, [
      'slurm',
      'batch',
      'scans/**/*',
      '--out-dir',
      'cluster',
      '-k',
      '12',
      '--tasks',
      '3',
      '--wait',
      '--report',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(5);
    expect(run.stdout).toMatch(/submitted tasks: job \d+ \(array of 3\)/);
    const want = filesOf(join(cwd, 'local'));
    const got = filesOf(join(cwd, 'cluster'));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, bytes] of want) expect(got.get(name)?.equals(bytes), name).toBe(true);
    const records = manifestRecords(join(cwd, 'cluster'));
    expect(records.size).toBe(13);
    expect(records.get('broken.png')?.status).toBe('failed');
    expect(
      readdirSync(join(cwd, 'cluster')).filter((n) => n.startsWith('gigaquant-manifest')),
    ).toEqual(['gigaquant-manifest.jsonl']);
    expect(existsSync(join(cwd, 'cluster', 'report.html'))).toBe(true);
  }, 300_000);

  test('slurm batch --shared-palette: the palette is fitted once, by the fit job, and every task applies it', () => {
    const cwd = folder.dir;
    const common = ['scans/**/*', '--ignore', '**/broken.png', '-k', '16', '--shared-palette'];
    expect(gq(cwd, ['batch', ...common, '--out-dir', 'local-shared', '--quiet']).code).toBe(0);
    const run = gq(cwd, [
      'slurm',
      'batch',
      ...common,
      '--out-dir',
      'cluster-shared',
      '--tasks',
      '2',
      '--wait',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/submitted fit: job \d+/);
    const want = filesOf(join(cwd, 'local-shared'));
    const got = filesOf(join(cwd, 'cluster-shared'));
    expect(got.size).toBe(12);
    for (const [name, bytes] of want) expect(got.get(name)?.equals(bytes), name).toBe(true);
    const logs = join(cwd, 'cluster-shared', '.gigaquant-slurm');
    const submission = join(logs, readdirSync(logs)[0] as string, 'logs');
    for (const task of ['tasks-0.out', 'tasks-1.out'])
      expect(readFileSync(join(submission, task), 'utf8'), task).toMatch(/palette: reused/);
  }, 300_000);

  test('slurm compress --tasks 4 --wait: the bytes of a local compress --tile, and of --pyramid', async () => {
    const cwd = folder.dir;
    await writeImage(
      join(cwd, 'mosaic.tif'),
      syntheticPixels(900, 700, 3, 5),
      900,
      700,
      3,
      'tiff-tiled',
    );
    for (const extra of [[], ['--pyramid']]) {
      const name = extra.length > 0 ? 'cog' : 'tiles';
      const flags = ['-k', '32', '--tile', '64', ...extra];
      const local = `local-${name}.tif`;
      const cluster = `cluster-${name}.tif`;
      expect(gq(cwd, ['compress', 'mosaic.tif', ...flags, '-o', local]).code).toBe(0);
      const run = gq(cwd, [
        'slurm',
        'compress',
        'mosaic.tif',
        ...flags,
        '-o',
        cluster,
        '--tasks',
        '4',
        '--wait',
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`${cluster.replace('.', '\\.')}\\s+900x700\\s+k=32\\s+PSNR`),
      );
      expect(readFileSync(join(cwd, cluster)).equals(readFileSync(join(cwd, local)))).toBe(true);
    }
  }, 600_000);

  test('a task killed with scancel --signal=KILL: resubmitted, nothing is lost and nothing done is redone', async () => {
    const cwd = folder.dir;
    const dir = join(cwd, 'big');
    mkdirSync(dir);
    for (let i = 0; i < 6; i++)
      await writeImage(
        join(dir, `b${i}.png`),
        noisyPixels(1500, 1200, 3, i + 1),
        1500,
        1200,
        3,
        'png',
      );
    const args = [
      'slurm',
      'batch',
      'big/*.png',
      '--out-dir',
      'big-out',
      '-k',
      '48',
      '--band-height',
      '8',
      '--concurrency',
      '1',
      '--tasks',
      '2',
    ];
    const first = gq(cwd, args);
    expect(first.code, first.stderr).toBe(0);
    const tasks = /submitted tasks: job (\d+)/.exec(first.stdout)?.[1] as string;
    const merge = /submitted merge: job (\d+)/.exec(first.stdout)?.[1] as string;
    // Kill task 1 once task 0 or 1 has finished a file, while files are still in flight.
    const out = join(cwd, 'big-out');
    const deadline = Date.now() + 120_000;
    const doneSoFar = () =>
      readdirSync(out)
        .filter((n) => n.startsWith('gigaquant-manifest.shard-'))
        .reduce(
          (s, n) => s + readFileSync(join(out, n), 'utf8').split('"status":"done"').length - 1,
          0,
        );
    while (!existsSync(out) || doneSoFar() === 0) {
      if (Date.now() > deadline) throw new Error('no file was done in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(spawnSync('scancel', ['--signal=KILL', `${tasks}_1`]).status).toBe(0);
    await jobsGone([tasks, merge]);
    const before = manifestRecords(out);
    const doneBefore = [...before].filter(([, r]) => r.status === 'done');
    expect(doneBefore.length).toBeGreaterThan(0);
    expect(doneBefore.length).toBeLessThan(6);
    const times = new Map(doneBefore.map(([name]) => [name, statSync(join(out, name)).mtimeMs]));

    const again = gq(cwd, [...args, '--wait']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const after = manifestRecords(out);
    expect(after.size).toBe(6);
    // Done before: skipped now, the output untouched; the rest done by the resubmitted job.
    for (const [name, record] of after) {
      expect(record.status, name).toBe(times.has(name) ? 'skipped' : 'done');
      if (times.has(name)) expect(statSync(join(out, name)).mtimeMs, name).toBe(times.get(name));
    }
  }, 300_000);
});
