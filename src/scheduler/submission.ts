import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { renderJobScript, shellQuote, type JobSpec } from './jobScript.js';
import { cancelJobs, sbatch, waitForJobs } from './slurmCommands.js';

/** Jobs submitted together, each after the one before (as `after` says). */
export interface Submission {
  /** The jobs' name prefix, e.g. gigaquant-batch. */
  name: string;
  /** Where the scripts, the logs and the exit codes of the jobs go: seen by every node. */
  folder: string;
  /** The folder the jobs run in: the submitter's, so relative paths mean the same. */
  chdir: string;
  jobs: (JobSpec & { after?: 'afterok' | 'afterany' })[];
}

/** What one job, or one task of an array, came to. */
export interface TaskOutcome {
  step: string;
  task: number;
  /** Its exit code, or undefined if it never finished (killed, cancelled, out of time). */
  exitCode: number | undefined;
  log: string;
}

/**
 * Submits the jobs in order, each depending on the one before; prints each id as it goes. With
 * `dryRun`, prints the scripts and the sbatch commands instead and submits nothing.
 */
export async function submit(
  sub: Submission,
  options: { dryRun: boolean; sbatchArgs: readonly string[]; print: (line: string) => void },
): Promise<string[]> {
  const scripts = sub.jobs.map((job) =>
    renderJobScript(job, {
      name: sub.name,
      chdir: sub.chdir,
      logDir: join(sub.folder, 'logs'),
      statusDir: join(sub.folder, 'status'),
    }),
  );
  if (options.dryRun) {
    sub.jobs.forEach((job, i) => {
      const path = join(sub.folder, `${job.step}.sh`);
      const dependency = job.after && i > 0 ? ` --dependency=${job.after}:$JOB_${i - 1}` : '';
      options.print(
        `# job ${i}: ${job.step} -> JOB_${i}=$(sbatch --parsable${dependency} ${options.sbatchArgs.map(shellQuote).join(' ')} ${shellQuote(path)})`,
      );
      options.print(scripts[i] as string);
    });
    return [];
  }
  await mkdir(join(sub.folder, 'logs'), { recursive: true });
  await mkdir(join(sub.folder, 'status'), { recursive: true });
  const ids: string[] = [];
  for (const [i, job] of sub.jobs.entries()) {
    const path = join(sub.folder, `${job.step}.sh`);
    await writeFile(path, scripts[i] as string, { mode: 0o755 });
    let id: string;
    try {
      id = sbatch(path, {
        dependency: job.after && i > 0 ? `${job.after}:${ids[i - 1]}` : undefined,
        extra: options.sbatchArgs,
      });
    } catch (err) {
      // Half a chain would run stages whose followers never come: take it all back.
      if (ids.length > 0) cancelJobs(ids);
      await rm(sub.folder, { recursive: true, force: true });
      await rmdir(dirname(sub.folder)).catch(() => {});
      throw err;
    }
    ids.push(id);
    options.print(
      `submitted ${job.step}: job ${id}${job.arrayTasks === undefined ? '' : ` (array of ${job.arrayTasks})`}`,
    );
  }
  return ids;
}

/** Waits for the submitted jobs, then reads what each task left in the status folder. */
export async function waitForOutcomes(
  sub: Submission,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<TaskOutcome[]> {
  await waitForJobs(ids, { signal });
  const outcomes: TaskOutcome[] = [];
  for (const job of sub.jobs) {
    for (let task = 0; task < (job.arrayTasks ?? 1); task++) {
      const text = await readFile(
        join(sub.folder, 'status', `${job.step}-${task}.rc`),
        'utf8',
      ).catch(() => undefined);
      const code = text === undefined ? undefined : Number(text.trim());
      outcomes.push({
        step: job.step,
        task,
        exitCode: code === undefined || Number.isNaN(code) ? undefined : code,
        log: join(
          sub.folder,
          'logs',
          `${job.step}${job.arrayTasks === undefined ? '' : `-${task}`}.out`,
        ),
      });
    }
  }
  return outcomes;
}
