#!/usr/bin/env node
/**
 * The `gigaquant` executable. On Linux it runs the real CLI in a child process with glibc's
 * allocator tuned (childEnvironment.ts): libvips frees large band buffers from many threads, and
 * with glibc's defaults (an arena per thread, large blocks kept for reuse) the process keeps
 * memory it no longer uses, which eats much of the memory budget (the bench's memory figures show
 * the difference); and every band decoded lands in fresh pages, which huge pages make cheap.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sniffPixels } from '../io/sniffPixels.js';
import { CLI_BUNDLE, runCliBundle } from './cliBundle.js';
import { tunedEnvironment } from './childEnvironment.js';

const MARK = 'GIGAQUANT_CHILD';
const main = fileURLToPath(new URL(`./${CLI_BUNDLE}`, import.meta.url));

/**
 * `compress` (or `decompress`) of a small image gains nothing from the tuning (it never holds
 * much) and would pay for a second Node start (~0.1 s); big images and batches run in the tuned
 * child. Small means: every file named is one whose header (PNG, JPEG, GIF, WebP, .npy) declares
 * at most this many pixels; a TIFF or anything unclear counts as big.
 */
const SMALL_IMAGE_PIXELS = 16 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;
function isSmallCompress(argv: string[]): boolean {
  if (argv[0] !== 'compress' && argv[0] !== 'decompress') return false;
  for (const f of argv.slice(1).filter((a) => !a.startsWith('-'))) {
    let head: Buffer;
    try {
      if (!statSync(f).isFile()) continue;
      const fd = openSync(f, 'r');
      try {
        head = Buffer.alloc(HEAD_BYTES);
        head = head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0));
      } finally {
        closeSync(fd);
      }
    } catch {
      continue; // Not a file: an option's value, or a missing input the CLI will report.
    }
    const pixels = sniffPixels(head);
    if (pixels === undefined || pixels > SMALL_IMAGE_PIXELS) return false;
  }
  return true;
}

/**
 * `gigaquant --version` answers before anything else loads: scripts call it to check an install,
 * and it should cost what `node -e 0` costs, not the CLI's whole module graph.
 */
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  const { VERSION } = await import('../version.js');
  process.stdout.write(VERSION + '\n');
} else if (
  process.platform !== 'linux' ||
  process.env[MARK] ||
  process.env.GIGAQUANT_NO_MALLOC_TUNING ||
  isSmallCompress(args)
) {
  runCliBundle(main);
} else {
  // --expose-gc: between the passes of a big image the fit's memory is collected at once
  // (runtime/releaseFitMemory) rather than added to pass 2's peak.
  const nodeArgs = [...process.execArgv, '--expose-gc', main, ...process.argv.slice(2)];
  // The IPC channel is how the child learns that this process died (even of kill -9): it closes.
  const child = spawn(process.execPath, nodeArgs, {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...tunedEnvironment(process.env), [MARK]: '1' },
  });
  // Ctrl-C reaches both processes; the child treats a repeat within a moment as the same one.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
  });
}
