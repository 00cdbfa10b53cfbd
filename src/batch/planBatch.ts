import { availableParallelism, totalmem } from 'node:os';
import { EXTENSION_OF } from '../io/outputFormat.js';
import type { ResolvedOptions } from '../pipeline/quantizeOptions.js';
import { expandInputs, relativeInput } from './expandInputs.js';
import { checkNoCollisions, outputPathFor } from './outputPath.js';

/** An input with its place in the output folder, before its header is read. */
export interface InputPlan {
  file: string;
  /** Relative to the batch's base folder, forward slashes. */
  rel: string;
  output: string;
  /** Position in the sorted list of every input (the same in every shard). */
  index: number;
}

/**
 * Every input the patterns match, in one order for every run and shard, with its output path;
 * refused when two inputs would write one output.
 */
export async function planBatch(
  patterns: readonly string[],
  options: { ignore?: string[]; outDir: string; cwd?: string; template: string },
  resolved: ResolvedOptions,
): Promise<InputPlan[]> {
  const { files, base } = await expandInputs(patterns, {
    ignore: options.ignore,
    exclude: options.outDir,
    cwd: options.cwd,
  });
  const ext = EXTENSION_OF[resolved.format];
  const all = files.map((file, index) => {
    const rel = relativeInput(base, file);
    const output = outputPathFor(options.outDir, rel, options.template, {
      k: resolved.k,
      seed: resolved.seed,
      format: resolved.format,
      ext,
    });
    return { file, rel, index, output };
  });
  checkNoCollisions(all.map((p) => ({ input: p.rel, output: p.output })));
  return all;
}

/** What one file in flight may hold beyond its bands: decoder state, k-means, zlib, a JS heap. */
const PER_FILE_OVERHEAD = 192 * 1024 * 1024;

/** Files in flight by default: one per core, fewer if half the machine's memory cannot hold them. */
export function defaultConcurrency(memoryBudget: number): number {
  const byMemory = Math.floor(totalmem() / 2 / (memoryBudget * 2 + PER_FILE_OVERHEAD));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}
