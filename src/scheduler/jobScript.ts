/** One Slurm job of a submission: what it runs and what it asks for. */
export interface JobSpec {
  /** Short name: fit, tasks, merge; count, apply, stitch. */
  step: string;
  /** `sbatch --array=0-(n-1)`: a task per share, each told its share by --shard auto. */
  arrayTasks?: number;
  /** MiB asked for per task: what gigaquant will use, with room to spare. */
  memoryMiB: number;
  cpus: number;
  /** The commands, each an argument vector, run one after the other while they succeed. */
  commands: string[][];
}

/** A word as the shell reads it back: in single quotes, a quote inside closed and reopened. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The batch script of a job: the Slurm options (the user's --sbatch options are given on sbatch's
 * command line, which wins over these), the submitter's folder, the commands, and the exit code
 * left in `statusDir`, so that `--wait` can tell what each task came to without Slurm's
 * accounting (which many sites, and CI, do not run).
 */
export function renderJobScript(
  job: JobSpec,
  options: { name: string; chdir: string; logDir: string; statusDir: string },
): string {
  const task = job.arrayTasks === undefined ? '0' : '${SLURM_ARRAY_TASK_ID}';
  const log = `${options.logDir}/${job.step}${job.arrayTasks === undefined ? '' : '-%a'}.out`;
  const status = `${shellQuote(options.statusDir)}/${job.step}-${task}.rc`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${shellQuote(`${options.name}-${job.step}`)}`,
    `#SBATCH --chdir=${shellQuote(options.chdir)}`,
    `#SBATCH --output=${shellQuote(log)}`,
    `#SBATCH --mem=${job.memoryMiB}M`,
    `#SBATCH --cpus-per-task=${job.cpus}`,
    ...(job.arrayTasks === undefined ? [] : [`#SBATCH --array=0-${job.arrayTasks - 1}`]),
    '# Written by gigaquant slurm: the same Node and the same gigaquant that submitted it.',
    'rc=0',
    ...job.commands.map(
      (argv) => `[ "$rc" -eq 0 ] && { ${argv.map(shellQuote).join(' ')}; rc=$?; }`,
    ),
    `echo "$rc" > ${status}`,
    'exit "$rc"',
    '',
  ];
  return lines.join('\n');
}
