import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tool } from '../../helpers/cli.js';
import { tempFolder } from '../../helpers/images.js';

const folder = tempFolder('gq-kernels-');
afterAll(() => folder.remove());

test('native/kernels.wasm is what native/build.sh makes of native/*.c', () => {
  const out = join(folder.dir, 'kernels.wasm');
  const built = tool('bash', ['native/build.sh', out]);
  expect(built.code, built.out).toBe(0);
  expect(readFileSync(out).equals(readFileSync('native/kernels.wasm'))).toBe(true);
});
