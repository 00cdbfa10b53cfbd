import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { processExists } from '../../../src/io/processExists.js';
import { CLI, tool } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let inputs: string;
const COUNT = 12;
beforeAll(async () => {
  folder = tempFolder('gq-crash-');
  inputs = join(folder.dir, 'in');
  mkdirSync(join(inputs, 'sub'), { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const rel = i % 2 ? `sub/p${i}.png` : `p${i}.png`;
    await writeImage(join(inputs, rel), syntheticPixels(1200, 900, 3, i), 1200, 900, 3, 'png');
  }
});
afterAll(() => folder.remove());

function args(out: string, tmp: string): string[] {
  return [
    CLI,
    'batch',
    join(inputs, '**/*.png'),
    '--out-dir',
    out,
    '-k',
    '32',
    '--tmp-dir',
    tmp,
    '--band-height',
    '16',
  ];
}

function doneLines(out: string): string[] {
  const path = join(out, 'gigaquant-manifest.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"status":"done"'));
}

/** Starts a batch in its own process group (as a scheduler runs a job) and waits until `ready()`. */
async function startAndWait(argv: string[], ready: () => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('batch never reached the expected state');
    if (child.exitCode !== null) throw new Error(`batch exited early with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

function visibleOutputs(out: string): string[] {
  return (readdirSync(out, { recursive: true }) as string[]).filter(
    (f) =>
      f.endsWith('.png') && !f.split('/').pop()?.startsWith('.') && statSync(join(out, f)).isFile(),
  );
}

function tempLeftovers(out: string): string[] {
  return (readdirSync(out, { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.gigaquant-tmp'),
  );
}

describe('a batch killed with SIGKILL', () => {
  test('leaves no half-written file under a final name, and a rerun finishes without redoing what was done', async () => {
    const out = join(folder.dir, 'out-kill');
    const tmp = join(folder.dir, 'tmp-kill');
    mkdirSync(tmp);
    const child = await startAndWait(args(out, tmp), () => doneLines(out).length >= 3);
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited(child);

    // The scheduler's kill is asynchronous: wait until the lock's owner is really gone.
    const owner = JSON.parse(readFileSync(join(out, '.gigaquant.lock'), 'utf8')) as { pid: number };
    for (let i = 0; i < 250 && processExists(owner.pid); i++)
      await new Promise((r) => setTimeout(r, 20));
    const doneBefore = doneLines(out).map((l) => (JSON.parse(l) as { input: string }).input);
    expect(existsSync(join(out, '.gigaquant.lock'))).toBe(true);
    const outputs = visibleOutputs(out);
    expect(outputs.length).toBeGreaterThanOrEqual(doneBefore.length);
    if (outputs.length > 0)
      expect(tool('pngcheck', ['-q', ...outputs.map((f) => join(out, f))]).out).toBe('');
    for (const f of outputs) await sharp(join(out, f)).raw().toBuffer();
    const mtimes = new Map(doneBefore.map((rel) => [rel, statSync(join(out, rel)).mtimeMs]));

    const rerun = spawnSync(process.execPath, [...args(out, tmp), '--json'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(rerun.status, rerun.stderr).toBe(0);
    const end = JSON.parse(rerun.stdout.trim().split('\n').pop() as string).result;
    expect(end).toMatchObject({
      skipped: doneBefore.length,
      done: COUNT - doneBefore.length,
      failed: 0,
    });
    for (const [rel, mtime] of mtimes) expect(statSync(join(out, rel)).mtimeMs).toBe(mtime);
    expect(visibleOutputs(out)).toHaveLength(COUNT);
    expect(tool('pngcheck', ['-q', ...visibleOutputs(out).map((f) => join(out, f))]).out).toBe('');
    expect(tempLeftovers(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(join(out, '.gigaquant.lock'))).toBe(false);
  }, 300_000);
});

describe('one run at a time per output folder', () => {
  test('a second run is refused while the first holds the lock; Ctrl-C stops the first cleanly', async () => {
    const out = join(folder.dir, 'out-lock');
    const tmp = join(folder.dir, 'tmp-lock');
    mkdirSync(tmp);
    const first = await startAndWait(args(out, tmp), () =>
      existsSync(join(out, '.gigaquant.lock')),
    );

    const second = spawnSync(process.execPath, args(out, tmp), { encoding: 'utf8' });
    expect(second.status).toBe(6);
    expect(second.stderr).toMatch(
      /another gigaquant run \(pid \d+ on .*\) is using this output folder/,
    );

    while (doneLines(out).length < 1) await new Promise((r) => setTimeout(r, 20));
    process.kill(first.pid as number, 'SIGINT');
    expect(await exited(first)).toBe(130);
    const done = doneLines(out).length;
    expect(done).toBeLessThan(COUNT);
    expect(visibleOutputs(out)).toHaveLength(done);
    expect(tempLeftovers(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(join(out, '.gigaquant.lock'))).toBe(false);
  }, 300_000);
});
