import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../../../dist/bin/main.cjs', import.meta.url));
const MODULE = new URL('../../../dist/cli/cliBundle.js', import.meta.url).href;

describe('the built CLI bundle (npm test builds it first)', () => {
  // The start of every small run depends on it: a cache V8 refuses costs 0.03-0.04 s a run.
  it('has a code cache that a plain node takes, as the gigaquant command runs', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { codeCacheAccepted } from '${MODULE}'; console.log(codeCacheAccepted(${JSON.stringify(BUNDLE)}));`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout.trim(), r.stderr).toBe('true');
  });

  it('is strict code, as the ES modules it is made of', () => {
    expect(readFileSync(BUNDLE, 'utf8').startsWith("'use strict';")).toBe(true);
  });
});
