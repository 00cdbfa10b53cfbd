import type { Submission } from './submission.js';

/** How a job runs gigaquant: this Node, this gigaquant's launcher, and the memory budget. */
export interface Runner {
  node: string;
  bin: string;
  /** --memory: MiB of row bands per file. */
  bandMiB: number;
}

/**
 * Memory asked for, in MiB: the row bands twice (the one in hand and the next being decoded),
 * what a file in flight holds beyond them (decoder, kernels, zlib, a JS heap: the figure batch
 * plans its concurrency with), and Node itself; the colour table and its entries where a
 * palette is fitted. Slurm kills a task over its request where cgroups enforce it, so these are
 * generous rather than tight.
 */
const PER_FILE_MIB = 192;
const NODE_MIB = 160;
const FIT_MIB = 64 + 192 + 128;

function perFile(run: Runner): number {
  return 2 * run.bandMiB + PER_FILE_MIB;
}

/**
 * `gigaquant slurm batch`: with a shared palette, a fit job first (it saves the palette; the
 * tasks find it and reuse it); an array of `tasks` tasks, each its share of the inputs by
 * pixels; then, whatever the tasks came to, a job that merges their manifests (and writes the
 * report when asked).
 */
export function batchSubmission(p: {
  folder: string;
  chdir: string;
  run: Runner;
  /** batch's arguments as given, without the Slurm options. */
  batchArgs: string[];
  tasks: number;
  concurrency: number;
  sharedPalette: boolean;
  outDir: string;
  report?: string;
}): Submission {
  const gigaquant = (...args: string[]) => [p.run.node, p.run.bin, ...args];
  const jobs: Submission['jobs'] = [];
  if (p.sharedPalette) {
    jobs.push({
      step: 'fit',
      memoryMiB: NODE_MIB + FIT_MIB + perFile(p.run),
      cpus: 2,
      commands: [gigaquant('batch', ...p.batchArgs, '--palette-only')],
    });
  }
  jobs.push({
    step: 'tasks',
    arrayTasks: p.tasks,
    after: p.sharedPalette ? 'afterok' : undefined,
    memoryMiB: NODE_MIB + p.concurrency * perFile(p.run) + (p.sharedPalette ? FIT_MIB : 0),
    cpus: p.concurrency,
    commands: [gigaquant('batch', ...p.batchArgs, '--shard', 'auto')],
  });
  jobs.push({
    step: 'merge',
    after: 'afterany',
    memoryMiB: NODE_MIB + 96,
    cpus: 1,
    commands: [
      gigaquant('merge', p.outDir),
      ...(p.report ? [gigaquant('report', p.outDir, '--output', p.report)] : []),
    ],
  });
  return { name: 'gigaquant-batch', folder: p.folder, chdir: p.chdir, jobs };
}

/**
 * `gigaquant slurm compress`: count array -> fit -> apply array -> stitch, each after the one
 * before has succeeded, all sharing the work folder named in `compressArgs`.
 */
export function compressSubmission(p: {
  folder: string;
  chdir: string;
  run: Runner;
  /** compress's arguments as given (with --work-dir), without the Slurm options. */
  compressArgs: string[];
  tasks: number;
}): Submission {
  const stage = (name: string, sharded: boolean) => [
    p.run.node,
    p.run.bin,
    'compress',
    ...p.compressArgs,
    '--stage',
    name,
    ...(sharded ? ['--shard', 'auto'] : []),
  ];
  const band = NODE_MIB + perFile(p.run);
  return {
    name: 'gigaquant-compress',
    folder: p.folder,
    chdir: p.chdir,
    jobs: [
      {
        step: 'count',
        arrayTasks: p.tasks,
        memoryMiB: band + 64,
        cpus: 2,
        commands: [stage('count', true)],
      },
      {
        step: 'fit',
        after: 'afterok',
        memoryMiB: NODE_MIB + FIT_MIB,
        cpus: 2,
        commands: [stage('fit', false)],
      },
      {
        step: 'apply',
        arrayTasks: p.tasks,
        after: 'afterok',
        memoryMiB: band,
        cpus: 2,
        commands: [stage('apply', true)],
      },
      {
        step: 'stitch',
        after: 'afterok',
        memoryMiB: NODE_MIB + 64,
        cpus: 1,
        commands: [stage('stitch', false)],
      },
    ],
  };
}
