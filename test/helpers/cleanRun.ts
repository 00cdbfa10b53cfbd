import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';

/**
 * Runs the CLI with its output folder and --tmp-dir fresh and private, so that anything the run
 * leaves behind is seen. Returns what it printed, its code, and what is left in each folder.
 */
export function runIsolated(
  root: string,
  args: (out: string, tmp: string) => string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): { code: number; stdout: string; stderr: string; outLeft: string[]; tmpLeft: string[] } {
  const id = Math.random().toString(36).slice(2);
  const out = join(root, `out-${id}`);
  const tmp = join(root, `tmp-${id}`);
  mkdirSync(out, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const r = runCli(args(out, tmp), options);
  return {
    ...r,
    outLeft: readdirSync(out, { recursive: true }) as string[],
    tmpLeft: readdirSync(tmp),
  };
}

/** A failure as a user must see it: the code, a message naming the file, no trace, nothing left. */
export function expectCleanFailure(
  r: ReturnType<typeof runIsolated>,
  code: number,
  message: RegExp,
): void {
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code, r.stderr).toBe(code);
  expect(r.outLeft).toEqual([]);
  expect(r.tmpLeft).toEqual([]);
}
