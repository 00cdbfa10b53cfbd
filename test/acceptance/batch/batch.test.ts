import { spawnSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, tool } from '../../helpers/cli.js';
import { makeImageTree, outputFor } from '../../helpers/batchFixtures.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let inputs: string;
let good: string[];
beforeAll(async () => {
  folder = tempFolder('gq-batch-');
  inputs = join(folder.dir, 'in');
  good = await makeImageTree(inputs, 48);
});
afterAll(() => folder.remove());

interface Run {
  code: number;
  events: Record<string, unknown>[];
  end: Record<string, unknown>;
  stderr: string;
}

function batch(out: string, ...flags: string[]): Run {
  const r = spawnSync(
    process.execPath,
    [CLI, 'batch', join(inputs, '**/*'), '--out-dir', out, '--json', ...flags],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  const events = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = (events.find((e) => e.type === 'end')?.result ?? {}) as Record<string, unknown>;
  return { code: r.status ?? -1, events, end, stderr: r.stderr };
}

type Rec = {
  input: string;
  output: string;
  status: string;
  retried?: boolean;
  error?: { message: string };
};

function manifest(out: string): Map<string, Rec> {
  const latest = new Map<string, Rec>();
  for (const name of readdirSync(out).filter((n) => n.startsWith('gigaquant-manifest'))) {
    for (const line of readFileSync(join(out, name), 'utf8').split('\n')) {
      if (line.trim()) latest.set((JSON.parse(line) as Rec).input, JSON.parse(line) as Rec);
    }
  }
  return latest;
}

function doneInputs(run: Run): string[] {
  return run.events
    .filter((e) => e.type === 'file-end' && (e.record as Rec).status === 'done')
    .map((e) => (e.record as Rec).input)
    .sort();
}

/** Every file under `dir` but the report data the batch keeps in `.gigaquant-report/`. */
function allFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => statSync(join(dir, f)).isFile() && !f.startsWith('.gigaquant-report'),
  );
}

describe('a batch over a folder tree with a corrupt and an empty file', () => {
  const out = () => join(folder.dir, 'out-main');
  let first: Run;
  beforeAll(() => {
    first = batch(out(), '-k', '8');
  });

  test('exits with "some failed", records every file, and goes on past the bad ones', () => {
    expect(first.code).toBe(5);
    expect(first.end).toMatchObject({ done: 48, failed: 2, skipped: 0, matched: 50 });
    const m = manifest(out());
    expect(m.size).toBe(50);
    expect(m.get('c/corrupt.png')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/corrupt\.png: not a readable image/) },
    });
    expect(m.get('a/empty.tif')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/empty\.tif: file is empty/) },
    });
    for (const rel of good)
      expect(m.get(rel)).toMatchObject({ status: 'done', output: outputFor(rel) });
  });

  test('writes a valid output for every good input, mirroring the folders, and nothing else', async () => {
    const files = allFiles(out()).sort();
    expect(files).toEqual([...good.map((r) => outputFor(r)), 'gigaquant-manifest.jsonl'].sort());
    // Beside them, what `gigaquant report` shows of each output, so it never decodes one again.
    const kept = (readdirSync(join(out(), '.gigaquant-report'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(kept).toEqual(good.map((r) => `${outputFor(r)}.json`).sort());
    const check = tool('pngcheck', ['-q', ...good.map((r) => join(out(), outputFor(r)))]);
    expect(check.out).toBe('');
    for (const rel of good) {
      const meta = await sharp(join(out(), outputFor(rel))).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([64, 48, 'png']);
    }
  });

  test('a rerun does nothing but skip, and does not try the bad files again', () => {
    const before = good.map((r) => statSync(join(out(), outputFor(r))).mtimeMs);
    const again = batch(out(), '-k', '8');
    expect(again.code).toBe(5);
    expect(again.end).toMatchObject({ done: 0, skipped: 48, failed: 2 });
    expect(again.events.filter((e) => e.type === 'file-start')).toEqual([]);
    expect(manifest(out()).get('c/corrupt.png')?.retried).toBe(false);
    expect(good.map((r) => statSync(join(out(), outputFor(r))).mtimeMs)).toEqual(before);
  });

  test('a changed input is redone, a touched but unchanged one is not; options that matter redo all', async () => {
    const changed = good[5] as string;
    const touched = good[6] as string;
    await writeImage(
      join(inputs, 'changed-tmp.png'),
      syntheticPixels(64, 48, 3, 999),
      64,
      48,
      3,
      'png',
    );
    // Same name, new content: re-encode into the changed file's own format through sharp.
    await sharp(join(inputs, 'changed-tmp.png')).toFile(
      join(inputs, changed + '.new' + changed.slice(changed.lastIndexOf('.'))),
    );
    writeFileSync(
      join(inputs, changed),
      readFileSync(join(inputs, changed + '.new' + changed.slice(changed.lastIndexOf('.')))),
    );
    for (const extra of [
      join(inputs, 'changed-tmp.png'),
      join(inputs, changed + '.new' + changed.slice(changed.lastIndexOf('.'))),
    ]) {
      spawnSync('rm', [extra]);
    }
    const later = new Date(Date.now() + 5000);
    utimesSync(join(inputs, touched), later, later);

    const rerun = batch(out(), '-k', '8', '--concurrency', '1');
    expect(rerun.end).toMatchObject({ done: 1, skipped: 47, failed: 2 });
    expect(doneInputs(rerun)).toEqual([changed]);

    const newK = batch(out(), '-k', '9');
    expect(newK.end).toMatchObject({ done: 48, skipped: 0, failed: 2 });
    expect(manifest(out()).get('c/corrupt.png')?.retried).not.toBe(false);
  });

  test('--force redoes everything', () => {
    const forced = batch(out(), '-k', '9', '--force');
    expect(forced.end).toMatchObject({ done: 48, skipped: 0 });
  });
});

describe('shards and palettes', () => {
  test('shards 0..2 of 3 cover every input exactly once, and merge folds their manifests', () => {
    const out = join(folder.dir, 'out-shards');
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = batch(out, '-k', '4', '--shard', `${i}/3`);
      expect(run.end).toMatchObject({ matched: 50 });
      seen.push(
        ...(run.events
          .filter((e) => e.type === 'file-end')
          .map((e) => (e.record as Rec).input) as string[]),
      );
      expect(existsSync(join(out, `gigaquant-manifest.shard-${i}-of-3.jsonl`))).toBe(true);
    }
    expect(seen.sort()).toEqual([...good, 'a/empty.tif', 'c/corrupt.png'].sort());
    expect(new Set(seen).size).toBe(50);
    const merged = spawnSync(process.execPath, [CLI, 'merge', out], { encoding: 'utf8' });
    expect(merged.stdout).toMatch(/merged: 50 inputs/);
    expect(readdirSync(out).filter((n) => n.startsWith('gigaquant-manifest'))).toEqual([
      'gigaquant-manifest.jsonl',
    ]);
    expect(manifest(out).size).toBe(50);
  });

  test('--shared-palette writes one palette that every output uses, also across shards', () => {
    const out = join(folder.dir, 'out-shared');
    const run = batch(out, '-k', '16', '--shared-palette');
    expect(run.end).toMatchObject({ done: 48 });
    const plte = good.map((r) =>
      pngChunk(readFileSync(join(out, outputFor(r))), 'PLTE').toString('hex'),
    );
    expect(new Set(plte).size).toBe(1);
    const saved = JSON.parse(readFileSync(join(out, 'gigaquant-palette.json'), 'utf8')) as {
      hex: string[];
    };
    expect(plte[0]).toBe(saved.hex.map((h) => h.slice(1)).join(''));
    const npy = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import numpy; a = numpy.load('${join(out, 'gigaquant-palette.npy')}'); print(a.shape, a.dtype)`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(npy.stdout.trim()).toBe(`(${saved.hex.length}, 3) uint8`);

    const sharded = join(folder.dir, 'out-shared-shards');
    for (let i = 0; i < 2; i++) batch(sharded, '-k', '16', '--shared-palette', '--shard', `${i}/2`);
    const shardPlte = good.map((r) =>
      pngChunk(readFileSync(join(sharded, outputFor(r))), 'PLTE').toString('hex'),
    );
    expect(new Set(shardPlte)).toEqual(new Set([plte[0]]));
  });

  test('--palette applies a given palette file, in its own order, to every input', () => {
    const out = join(folder.dir, 'out-given');
    const file = join(folder.dir, 'given.json');
    writeFileSync(
      file,
      JSON.stringify({
        colors: [
          [0, 0, 0],
          [255, 255, 255],
          [200, 30, 30],
        ],
      }),
    );
    const run = batch(out, '--palette', file);
    expect(run.end).toMatchObject({ done: 48 });
    for (const r of good)
      expect(pngChunk(readFileSync(join(out, outputFor(r))), 'PLTE').toString('hex')).toBe(
        '000000ffffffc81e1e',
      );
  });
});

describe('labels and RGB in a batch', () => {
  test('--format npy writes labels and a codebook per input, which numpy loads', () => {
    const out = join(folder.dir, 'out-labels');
    const run = batch(out, '-k', '8', '--format', 'npy');
    expect(run.code).toBe(5);
    expect(run.end).toMatchObject({ done: 48, failed: 2 });
    const expected = good.flatMap((r) => [
      outputFor(r, 'npy'),
      outputFor(r, 'codebook.json'),
      outputFor(r, 'codebook.npy'),
    ]);
    expect(allFiles(out).sort()).toEqual([...expected, 'gigaquant-manifest.jsonl'].sort());
    const first = join(out, outputFor(good[0] as string, 'npy'));
    const py = spawnSync('/usr/bin/python3', [
      '-c',
      'import sys, numpy; l = numpy.load(sys.argv[1]); c = numpy.load(sys.argv[2]); print(l.shape, l.dtype, c.shape, int(l.max()) < len(c))',
      first,
      first.replace(/\.npy$/, '.codebook.npy'),
    ]);
    expect(py.stdout.toString().trim()).toMatch(/^\(48, 64\) uint8 \(\d, [13]\) True$/);
  });

  test('--format jpeg writes a JPEG per input', async () => {
    const out = join(folder.dir, 'out-jpeg');
    const run = batch(out, '-k', '8', '--format', 'jpeg');
    expect(run.end).toMatchObject({ done: 48, failed: 2 });
    for (const rel of good.slice(0, 5)) {
      const meta = await sharp(join(out, outputFor(rel, 'jpg'))).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([64, 48, 'jpeg']);
    }
  });
});

describe('job files, names and refusals', () => {
  test('a job file holds the options; flags override it', () => {
    const out = join(folder.dir, 'out-job');
    const job = join(folder.dir, 'job.json');
    writeFileSync(
      job,
      JSON.stringify({
        inputs: [join(inputs, 'a/b/*')],
        'out-dir': out,
        k: 4,
        name: '{name}.k{k}.{ext}',
        format: 'tiff',
      }),
    );
    const r = spawnSync(process.execPath, [CLI, 'batch', '--config', job, '-k', '6', '--json'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const files = allFiles(out).filter((f) => f.endsWith('.tif'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/\.k6\.tif$/);
  });

  test('two inputs that would write one output are refused before any work', async () => {
    const clash = join(folder.dir, 'clash');
    await writeImage(join(clash, 'x.png'), syntheticPixels(8, 8, 3), 8, 8, 3, 'png').catch(
      async () => {
        spawnSync('mkdir', ['-p', clash]);
        await writeImage(join(clash, 'x.png'), syntheticPixels(8, 8, 3), 8, 8, 3, 'png');
      },
    );
    await writeImage(join(clash, 'x.jpg'), syntheticPixels(8, 8, 3), 8, 8, 3, 'jpeg');
    const out = join(folder.dir, 'out-clash');
    const args = [CLI, 'batch', join(clash, '*'), '--out-dir', out, '-k', '4'];
    const refused = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /x\.jpg and x\.png would both be written to .*x\.png; add \{srcext\}/,
    );
    expect(readdirSync(out)).toEqual([]);
    const named = spawnSync(process.execPath, [...args, '--name', '{name}.{srcext}.{ext}'], {
      encoding: 'utf8',
    });
    expect(named.status).toBe(0);
    expect(allFiles(out).sort()).toEqual(['gigaquant-manifest.jsonl', 'x.jpg.png', 'x.png.png']);
  });

  test.each([
    [['--name', '{nme}.{ext}'], /unknown placeholder \{nme\}/],
    [['--shard', '3/3'], /--shard: expected i\/n/],
  ])('%j is a usage error', (flags, message) => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'batch',
        join(inputs, '*.png'),
        '--out-dir',
        join(folder.dir, 'out-usage'),
        '-k',
        '4',
        ...flags,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('a palette file that is not there is bad input (exit 3), before any work', () => {
    const out = join(folder.dir, 'out-nopalette');
    const r = spawnSync(
      process.execPath,
      [CLI, 'batch', join(inputs, '*.png'), '--out-dir', out, '--palette', 'nope.json'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/nope\.json: no such palette file/);
  });
});

/** The data of the first chunk of `type` in a PNG file. */
function pngChunk(png: Buffer, type: string): Buffer {
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === type)
      return png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

test('the example nightly job in config/ is a valid job file', () => {
  const out = join(folder.dir, 'out-nightly');
  const r = spawnSync(
    process.execPath,
    [CLI, 'batch', '--config', 'config/nightly.example.json', '--out-dir', out, '--json'],
    {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '../../..'),
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout.split('\n')[0] as string)).toMatchObject({
    type: 'plan',
    outDir: out,
  });
});
