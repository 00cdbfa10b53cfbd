import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Each case runs in a fresh `node`, as the CLI does: V8 takes a code cache only with the flags
// that made it, and the test runner's process may have others. The module is tsc's output (npm
// test builds it first).
const CLI_BUNDLE_MODULE = new URL('../../dist/cli/cliBundle.js', import.meta.url).href;

/** Runs `script` (an ES module) in a plain node. */
function node(script: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('runCliBundle', () => {
  let dir: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gigaquant-bundle-'));
    bundle = join(dir, 'main.cjs');
    // What a CommonJS module is given: its require, module, filename and folder.
    writeFileSync(
      bundle,
      `'use strict';
const { basename } = require('node:path');
module.exports.ran = true;
process.stdout.write(JSON.stringify({ file: basename(__filename), dir: __dirname, exports: this === module.exports }) + '\\n');
function lazy() { return 42; }
if (lazy() !== 42) process.exit(9);
`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (b: string) =>
    node(
      `import { runCliBundle } from '${CLI_BUNDLE_MODULE}'; runCliBundle(${JSON.stringify(b)});`,
    );

  it('runs the bundle as a CommonJS module, without a cache', () => {
    const r = run(bundle);
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ file: 'main.cjs', dir, exports: true });
  });

  it('writes a cache after a run that a fresh node takes, and runs the same with it', () => {
    const write = node(
      `import { runCliBundle, writeCodeCache } from '${CLI_BUNDLE_MODULE}';
       const s = runCliBundle(${JSON.stringify(bundle)}); writeCodeCache(${JSON.stringify(bundle)}, s);`,
    );
    expect(write.code, write.out).toBe(0);
    expect(readFileSync(bundle + '.cache').length).toBeGreaterThan(0);
    const accepted = node(
      `import { codeCacheAccepted } from '${CLI_BUNDLE_MODULE}'; console.log(codeCacheAccepted(${JSON.stringify(bundle)}));`,
    );
    expect(accepted.out.trim()).toBe('true');
    const r = run(bundle);
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out).file).toBe('main.cjs');
  });

  it('compiles as usual when the cache is for another text of the same length, or is not a cache', () => {
    const write = node(
      `import { runCliBundle, writeCodeCache } from '${CLI_BUNDLE_MODULE}';
       const s = runCliBundle(${JSON.stringify(bundle)}); writeCodeCache(${JSON.stringify(bundle)}, s);`,
    );
    expect(write.code, write.out).toBe(0);
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('42', '43').replace('42', '43'));
    const stale = node(
      `import { codeCacheAccepted } from '${CLI_BUNDLE_MODULE}'; console.log(codeCacheAccepted(${JSON.stringify(bundle)}));`,
    );
    expect(stale.out.trim()).toBe('false');
    const edited = run(bundle);
    expect(edited.code, edited.out).toBe(0);
    // The digest of this text, then what V8 does not take for a cache.
    const digest = createHash('sha256').update(readFileSync(bundle)).digest();
    writeFileSync(bundle + '.cache', Buffer.concat([digest, Buffer.alloc(4096, 7)]));
    const garbage = node(
      `import { codeCacheAccepted } from '${CLI_BUNDLE_MODULE}'; console.log(codeCacheAccepted(${JSON.stringify(bundle)}));`,
    );
    expect(garbage.out.trim()).toBe('false');
    expect(run(bundle).code).toBe(0);
  });
});
