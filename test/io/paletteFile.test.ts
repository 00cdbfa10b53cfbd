import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { loadPalette, savePalette } from '../../src/io/paletteFile.js';
import { tempFolder } from '../helpers/images.js';

const folder = tempFolder();
afterAll(() => folder.remove());

describe('.npy', () => {
  test('header is 64-byte aligned and round-trips', () => {
    for (const data of [Uint8Array.of(1, 2, 3, 4, 5, 6), Uint16Array.of(1, 300, 65535, 0, 7, 9)]) {
      const bytes = encodeNpy({ shape: [2, 3], data });
      expect((10 + bytes.readUInt16LE(8)) % 64).toBe(0);
      expect(decodeNpy(bytes)).toEqual({ shape: [2, 3], data });
    }
  });

  test('numpy.load reads what we write, with the right dtype and shape', () => {
    const path = join(folder.dir, 'a.npy');
    writeFileSync(path, encodeNpy({ shape: [2, 3], data: Uint16Array.of(1, 300, 65535, 0, 7, 9) }));
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', `import numpy; a = numpy.load('${path}'); print(a.dtype, a.shape, a.tolist())`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('uint16 (2, 3) [[1, 300, 65535], [0, 7, 9]]');
  });
});

describe('palette files', () => {
  const palette = { size: 2, channels: 3, colors: Uint8Array.of(1, 2, 3, 250, 251, 252) };

  test('save writes JSON and .npy that both load back to the same palette', async () => {
    const files = await savePalette(palette, join(folder.dir, 'palette'));
    expect(await loadPalette(files.json)).toEqual(palette);
    expect(await loadPalette(files.npy)).toEqual(palette);
    expect(JSON.parse(readFileSync(files.json, 'utf8')).hex).toEqual(['#010203', '#fafbfc']);
  });

  test.each([
    ['bad.json', '{"colors": [[1, 2, 3], [4, 5]]}', /colour 1 has not 3 values/],
    ['bad2.json', '{"colors": [[1, 2, 300]]}', /outside 0-255/],
    ['bad3.json', 'not json', /not a palette/],
    ['bad.npy', 'not npy', /not a \.npy file/],
  ])('%s is refused with a reason', async (name, content, message) => {
    const path = join(folder.dir, name);
    writeFileSync(path, content);
    await expect(loadPalette(path)).rejects.toThrow(message);
  });
});
