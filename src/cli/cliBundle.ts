import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * The CLI as one CommonJS file (config/bundle.js writes it into dist/bin/), and V8's code cache
 * for it beside it. Node 20 has no code cache for ES modules, and compiling the CLI's modules
 * was a sixth of a small image's run: with the cache, V8 takes the compiled code as it is.
 */
export const CLI_BUNDLE = 'main.cjs';
const CACHE_SUFFIX = '.cache';

/**
 * The cache file starts with this digest of the bundle it was made from. V8 checks only that
 * the source has the same length: a cache of another build would run that build's functions.
 */
function digest(source: Buffer): Buffer {
  return createHash('sha256').update(source).digest();
}

/** The bundle wrapped as Node wraps a CommonJS module: it gets its own `require` and `module`. */
function compile(bundle: string, source: Buffer, cachedData?: Buffer): Script {
  return new Script(Module.wrap(source.toString('utf8')), { filename: bundle, cachedData });
}

/** V8's data from the cache file, if there is one and it was made from `source`. */
function cachedDataFor(bundle: string, source: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(bundle + CACHE_SUFFIX);
  } catch {
    return undefined; // Built without one: compiled as any module is.
  }
  const made = digest(source);
  return file.subarray(0, made.length).equals(made) ? file.subarray(made.length) : undefined;
}

/**
 * Runs the CLI bundle in this process. A cache made by another Node, or with other V8 flags, is
 * rejected by V8, which then compiles the bundle as usual: only the start is slower. Returns the
 * script, whose cache the build writes after a run (writeCodeCache).
 */
export function runCliBundle(bundle: string): Script {
  const source = readFileSync(bundle);
  const script = compile(bundle, source, cachedDataFor(bundle, source));
  const wrapper = script.runInThisContext() as (
    exports: object,
    require: NodeRequire,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} };
  wrapper.call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    dirname(bundle),
  );
  return script;
}

/** Whether the cache beside the bundle is used: made from it, and taken by V8 in this process. */
export function codeCacheAccepted(bundle: string): boolean {
  const source = readFileSync(bundle);
  const cachedData = cachedDataFor(bundle, source);
  return cachedData !== undefined && !compile(bundle, source, cachedData).cachedDataRejected;
}

/**
 * Writes the bundle's code cache from a script that has run: the functions the run compiled are
 * in it too (a cache made right after compiling holds little more than the top level, and the
 * start was 5% slower with it). V8 takes it only with the flags of this process: the build runs
 * with plain `node`, as the `gigaquant` command does. The cache keeps the path the bundle had
 * when it was made: stack traces name that path if dist/ is moved.
 */
export function writeCodeCache(bundle: string, script: Script): void {
  const data = script.createCachedData();
  writeFileSync(bundle + CACHE_SUFFIX, Buffer.concat([digest(readFileSync(bundle)), data]));
}
