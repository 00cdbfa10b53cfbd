import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expandInputs, relativeInput } from '../../src/batch/expandInputs.js';
import { keyOf } from '../../src/batch/fingerprint.js';
import { acquireLock } from '../../src/batch/lock.js';
import { parseManifest } from '../../src/batch/manifest.js';
import { checkNameTemplate, checkNoCollisions, outputPathFor } from '../../src/batch/outputPath.js';
import { tempFolder } from '../helpers/images.js';

const folder = tempFolder('gq-units-');
afterAll(() => folder.remove());

describe('manifest lines', () => {
  const rec = (input: string, status: string, at: string) =>
    JSON.stringify({ input, status, finishedAt: at });

  test('the latest record per input wins, and a line cut short by a crash is ignored', () => {
    const text = [
      rec('a.png', 'failed', '2026-01-01'),
      rec('b.png', 'done', '2026-01-01'),
      rec('a.png', 'done', '2026-01-02'),
      '{"input":"c.png","sta',
    ].join('\n');
    const m = parseManifest(text);
    expect([...m.keys()].sort()).toEqual(['a.png', 'b.png']);
    expect(m.get('a.png')?.status).toBe('done');
  });
});

describe('output names', () => {
  test.each([
    ['{name}.{ext}', 'a/b/scan.tif', 'out/a/b/scan.png'],
    ['{name}.k{k}.{ext}', 'x.jpg', 'out/x.k64.png'],
    ['{name}.{srcext}.s{seed}.{format}.{ext}', 'd/x.jpg', 'out/d/x.jpg.s3.png.png'],
  ])('%s for %s is %s', (template, rel, expected) => {
    expect(outputPathFor('out', rel, template, { k: 64, seed: 3, format: 'png', ext: 'png' })).toBe(
      expected,
    );
  });

  test.each([
    ['{name}.{nope}', /unknown placeholder \{nope\}/],
    ['sub/{name}.{ext}', /no folders/],
    ['fixed.{ext}', /must contain \{name\}/],
  ])('%s is refused', (template, message) => {
    expect(() => checkNameTemplate(template)).toThrow(message);
  });

  test('collisions name both inputs', () => {
    expect(() =>
      checkNoCollisions([
        { input: 'a.png', output: 'o/a.png' },
        { input: 'a.jpg', output: 'o/a.png' },
      ]),
    ).toThrow(/a\.png and a\.jpg would both be written to o\/a\.png/);
  });
});

describe('expandInputs', () => {
  test('sorted, unique, ignores, never the output folder, base from the patterns', async () => {
    const root = join(folder.dir, 'tree');
    for (const f of ['b/2.png', 'a/1.png', 'a/skip.png', 'out/old.png', 'a/note.txt']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), 'x');
    }
    const found = await expandInputs(['**/*.png', 'a/*.png'], {
      cwd: root,
      ignore: ['**/skip.png'],
      exclude: join(root, 'out'),
    });
    expect(found.files.map((f) => relativeInput(found.base, f))).toEqual(['a/1.png', 'b/2.png']);
    expect(found.base).toBe(root);
    const sub = await expandInputs(['a/*.png'], { cwd: root });
    expect(sub.base).toBe(join(root, 'a'));
  });
});

describe('lock', () => {
  test('a live lock is refused; a stale one from another host (old heartbeat) is taken over', async () => {
    const path = join(folder.dir, 'x.lock');
    const held = await acquireLock(path);
    await expect(acquireLock(path)).rejects.toMatchObject({ code: 'E_LOCKED', exitCode: 6 });
    await held.release();

    writeFileSync(path, JSON.stringify({ pid: 1, host: 'some-other-host', startedAt: 'then' }));
    await expect(acquireLock(path)).rejects.toMatchObject({ code: 'E_LOCKED' });
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(path, old, old);
    const taken = await acquireLock(path);
    await taken.release();
  });

  test('a lock left by a dead process on this host is taken over at once', async () => {
    const path = join(folder.dir, 'y.lock');
    writeFileSync(
      path,
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        startedAt: 'then',
      }),
    );
    const taken = await acquireLock(path);
    await taken.release();
  });
});

test('keyOf ignores key order and undefined values', () => {
  expect(keyOf({ a: 1, b: [1, 2], c: undefined })).toBe(keyOf({ b: [1, 2], a: 1 }));
  expect(keyOf({ a: 1 })).not.toBe(keyOf({ a: 2 }));
});
