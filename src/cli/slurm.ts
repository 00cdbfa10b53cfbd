import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { ExitCode, usageError } from '../errors.js';
import type { TaskOutcome } from '../scheduler/submission.js';
import { batchCommand, type BatchArgs } from './batch.js';
import { handleCliError } from './cliError.js';
import { compressCommand, SPLIT_REFUSES, type CompressArgs } from './compress.js';
import { abortOnSignals } from './interrupts.js';
import { besideWithSuffix, reportPath } from './report.js';

export interface SlurmArgs {
  tasks: number;
  wait: boolean;
  'dry-run': boolean;
  sbatch?: string[];
}

/** The options of `gigaquant slurm ...` itself: everything else is the command's own. */
const SLURM_OPTIONS = [
  { name: 'tasks', value: true },
  { name: 'wait', value: false },
  { name: 'dry-run', value: false },
  { name: 'sbatch', value: true },
];

function addSlurmOptions<T>(yargs: Argv<T>): Argv<T & SlurmArgs> {
  return yargs
    .option('tasks', {
      type: 'number',
      demandOption: true,
      describe: 'Slurm array tasks: the shares the work is split into',
    })
    .option('wait', {
      type: 'boolean',
      default: false,
      describe: "wait for the jobs and exit with the command's exit code",
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'print the job scripts and sbatch commands, submit nothing',
    })
    .option('sbatch', {
      type: 'string',
      array: true,
      describe: 'pass an option to every sbatch (repeatable): --sbatch=--partition=long',
    }) as unknown as Argv<T & SlurmArgs>;
}

export function slurmBatchCommand(yargs: Argv): Argv<BatchArgs & SlurmArgs> {
  return addSlurmOptions(batchCommand(yargs));
}

export function slurmCompressCommand(yargs: Argv): Argv<CompressArgs & SlurmArgs> {
  return addSlurmOptions(compressCommand(yargs));
}

/** How jobs run gigaquant: this Node and this installation's launcher. */
function runner(memory: number | undefined) {
  return {
    node: process.execPath,
    bin: fileURLToPath(new URL('./bin.js', import.meta.url)),
    bandMiB: memory ?? 64,
  };
}

/** A folder of its own for each submission's scripts, logs and exit codes. */
function submissionFolder(parent: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(parent, `slurm-${stamp}-${process.pid}`);
}

/**
 * `gigaquant slurm batch <globs> --out-dir D ... --tasks N`: `tokens` are the words after
 * `slurm batch`, passed on to every task as they were given (minus the Slurm options and the
 * report, which the merge job writes).
 */
export async function runSlurmBatch(
  args: BatchArgs & SlurmArgs,
  tokens: readonly string[],
): Promise<number> {
  try {
    checkTasks(args.tasks);
    if (args.shard !== undefined)
      throw usageError('slurm batch gives each task its --shard: leave it out');
    if (!args['out-dir']) throw usageError('--out-dir is required');
    const report = reportPath(args.report, () => join(args['out-dir'] as string, 'report.html'));
    const batchArgs = withoutOptions(tokens, [
      ...SLURM_OPTIONS,
      { name: 'report', value: args.report !== '' },
    ]);
    const outDir = resolve(args['out-dir']);
    const { batchSubmission } = await import('../scheduler/plans.js');
    const sub = batchSubmission({
      folder: submissionFolder(join(outDir, '.gigaquant-slurm')),
      chdir: process.cwd(),
      run: runner(args.memory),
      batchArgs,
      tasks: args.tasks,
      concurrency: args.concurrency ?? 2,
      sharedPalette: args['shared-palette'],
      outDir,
      report: report && resolve(report),
    });
    return await submitAndWait(sub, args, (outcomes) => {
      const lost = outcomes.filter((o) => o.exitCode === undefined);
      const failed = outcomes.filter((o) => o.exitCode !== undefined && o.exitCode !== 0);
      for (const o of [...lost, ...failed]) process.stderr.write(describeOutcome(o));
      if (lost.length > 0) return ExitCode.internal;
      // Tasks exit 5 when some of their files failed: that is the batch's code too.
      const other = failed.find((o) => o.exitCode !== ExitCode.someFailed);
      return other?.exitCode ?? (failed.length > 0 ? ExitCode.someFailed : ExitCode.ok);
    });
  } catch (err) {
    return handleCliError(err);
  }
}

/** `gigaquant slurm compress <in> -o <out.tif> ... --tasks N`: the four stages as four jobs. */
export async function runSlurmCompress(
  args: CompressArgs & SlurmArgs,
  tokens: readonly string[],
): Promise<number> {
  try {
    checkTasks(args.tasks);
    if (args.stage !== undefined || args.shard !== undefined)
      throw usageError(
        'slurm compress runs every stage with its --shard: leave --stage and --shard out',
      );
    if (args.report !== undefined) throw usageError('--report is not made by split stages');
    for (const flag of SPLIT_REFUSES)
      if (args[flag] !== undefined) throw usageError(`--${flag} is not taken by split stages`);
    const compressArgs = withoutOptions(tokens, SLURM_OPTIONS);
    const workDir = resolve(args['work-dir'] ?? besideWithSuffix(args.output, '.gigaquant-work'));
    if (args['work-dir'] === undefined) compressArgs.push('--work-dir', workDir);
    const { compressSubmission } = await import('../scheduler/plans.js');
    const sub = compressSubmission({
      folder: submissionFolder(workDir),
      chdir: process.cwd(),
      run: runner(args.memory),
      compressArgs,
      tasks: args.tasks,
    });
    return await submitAndWait(sub, args, (outcomes) => {
      const bad = outcomes.find((o) => o.exitCode !== 0);
      if (bad) {
        process.stderr.write(describeOutcome(bad));
        return bad.exitCode ?? ExitCode.internal;
      }
      return ExitCode.ok;
    });
  } catch (err) {
    return handleCliError(err);
  }
}

async function submitAndWait(
  sub: import('../scheduler/submission.js').Submission,
  args: SlurmArgs,
  exitCodeOf: (outcomes: TaskOutcome[]) => number,
): Promise<number> {
  const { submit, waitForOutcomes } = await import('../scheduler/submission.js');
  const print = (line: string) => process.stdout.write(line + '\n');
  const ids = await submit(sub, { dryRun: args['dry-run'], sbatchArgs: args.sbatch ?? [], print });
  if (args['dry-run'] || !args.wait) return ExitCode.ok;
  print(`waiting for jobs ${ids.join(', ')}`);
  const signal = abortOnSignals(() => {});
  const outcomes = await waitForOutcomes(sub, ids, signal);
  const last = outcomes[outcomes.length - 1];
  if (last?.exitCode === 0) {
    const log = await readFile(last.log, 'utf8').catch(() => '');
    process.stdout.write(log);
  }
  return exitCodeOf(outcomes);
}

function describeOutcome(o: TaskOutcome): string {
  const what =
    o.exitCode === undefined
      ? 'did not finish (killed, cancelled or out of time)'
      : `exited ${o.exitCode}`;
  return `gigaquant: ${o.step} task ${o.task} ${what}: see ${o.log}\n`;
}

function checkTasks(tasks: number): void {
  if (!Number.isInteger(tasks) || tasks < 1)
    throw usageError(`--tasks: expected a whole number >= 1, not ${tasks}`);
}

/**
 * The words without the named options (`--name value`, `--name=value`, or a bare `--flag`), so
 * that what the user wrote for the command reaches its jobs unchanged otherwise.
 */
export function withoutOptions(
  tokens: readonly string[],
  options: readonly { name: string; value: boolean }[],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') {
      out.push(...tokens.slice(i));
      break;
    }
    const option = options.find((o) => token === `--${o.name}` || token.startsWith(`--${o.name}=`));
    if (!option) {
      out.push(token);
      continue;
    }
    if (option.value && token === `--${option.name}`) i++;
  }
  return out;
}
