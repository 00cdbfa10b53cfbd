import { spawnSync } from 'node:child_process';
import { GigaquantError } from '../errors.js';

/** What a Slurm client printed, or why it could not run. */
function runSlurm(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GigaquantError(
      'E_USAGE',
      missing
        ? `${command} not found: gigaquant slurm submits with Slurm's commands; run it on a machine that has them (a login node)`
        : `${command}: ${r.error.message}`,
    );
  }
  if (r.status !== 0) {
    throw new GigaquantError(
      'E_USAGE',
      `${command} ${args.join(' ')} refused (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`,
    );
  }
  return r.stdout;
}

/** Submits a batch script; returns its job id. */
export function sbatch(
  script: string,
  options: { dependency?: string; extra: readonly string[] },
): string {
  const args = ['--parsable'];
  if (options.dependency)
    args.push(`--dependency=${options.dependency}`, '--kill-on-invalid-dep=yes');
  args.push(...options.extra, script);
  const out = runSlurm('sbatch', args).trim();
  const id = out.split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new GigaquantError('E_USAGE', `sbatch printed no job id: ${out}`);
  return id;
}

/** Cancels jobs, as well as it can (used to take back a chain submitted in part). */
export function cancelJobs(ids: readonly string[]): void {
  spawnSync('scancel', [...ids], { stdio: 'ignore' });
}

/** The ids of the jobs (of arrays too) Slurm still knows as pending or running. */
export function queuedJobs(): Set<string> {
  const out = runSlurm('squeue', ['-h', '-o', '%i']);
  const ids = new Set<string>();
  for (const line of out.split('\n')) {
    const id = /^(\d+)/.exec(line.trim())?.[1];
    if (id) ids.add(id);
  }
  return ids;
}

/**
 * Waits until none of `ids` is queued or running, polling squeue (sbatch --wait holds a
 * connection per job, and is not on every site).
 */
export async function waitForJobs(
  ids: readonly string[],
  options: { pollMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  for (;;) {
    const queued = queuedJobs();
    if (!ids.some((id) => queued.has(id))) return;
    if (options.signal?.aborted) throw new GigaquantError('E_ABORTED', 'stopped waiting for Slurm');
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}
