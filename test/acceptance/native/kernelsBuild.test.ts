import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tool } from '../../helpers/cli.js';
import { tempFolder } from '../../helpers/images.js';

const folder = tempFolder('gq-kernels-');
afterAll(() => folder.remove());

test('native/*.wasm are what native/build.sh makes of native/*.c', () => {
  const built = tool('bash', ['native/build.sh', folder.dir]);
  expect(built.code, built.out).toBe(0);
  for (const name of ['kernels.wasm', 'tiles.wasm'])
    expect(
      readFileSync(join(folder.dir, name)).equals(readFileSync(join('native', name))),
      name,
    ).toBe(true);
});
