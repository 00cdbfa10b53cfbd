import { usageError as usage } from '../errors.js';
import type { Share } from '../types.js';

const HELP =
  'expected i/n with 0 <= i < n (e.g. 0/4), auto (a Slurm array task), or auto/N (a Kubernetes Indexed Job of N completions)';

/**
 * `--shard i/n`, or `auto` / `auto/N`: this task's share from the scheduler's environment. Slurm
 * array tasks are numbered by SLURM_ARRAY_TASK_ID, which runs from SLURM_ARRAY_TASK_MIN in steps
 * of SLURM_ARRAY_TASK_STEP (`--array=1-15:2`), out of SLURM_ARRAY_TASK_COUNT; Kubernetes gives
 * JOB_COMPLETION_INDEX (0 to completions - 1) but not the count, which `auto/N` supplies.
 */
export function parseShardSpec(
  spec: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Share | undefined {
  if (spec === undefined) return undefined;
  const value = spec.trim();
  const fixed = /^(\d+)\/(\d+)$/.exec(value);
  if (fixed) return checked(Number(fixed[1]), Number(fixed[2]), `--shard ${value}`);
  const auto = /^auto(?:\/(\d+))?$/.exec(value);
  if (!auto) throw usage(`--shard: ${HELP}, not ${spec}`);
  const given = auto[1] === undefined ? undefined : Number(auto[1]);
  if (env.SLURM_ARRAY_TASK_ID !== undefined) return fromSlurm(env, given);
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (given === undefined) {
      throw usage(
        '--shard auto: JOB_COMPLETION_INDEX is set (Kubernetes) but Kubernetes does not give the number of completions: write --shard auto/N',
      );
    }
    return checked(int(env, 'JOB_COMPLETION_INDEX'), given, 'JOB_COMPLETION_INDEX');
  }
  throw usage(
    '--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array: sbatch --array=...) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set: give --shard i/n',
  );
}

function fromSlurm(env: NodeJS.ProcessEnv, given: number | undefined): Share {
  const id = int(env, 'SLURM_ARRAY_TASK_ID');
  const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : int(env, 'SLURM_ARRAY_TASK_MIN');
  const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : int(env, 'SLURM_ARRAY_TASK_STEP');
  if (env.SLURM_ARRAY_TASK_COUNT === undefined)
    throw usage('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
  const count = int(env, 'SLURM_ARRAY_TASK_COUNT');
  if (step < 1 || (id - min) % step !== 0) {
    throw usage(
      `--shard auto: task ${id} is not on the array's range (from ${min} in steps of ${step}); submit a range (--array=0-7 or 1-15:2), not a list`,
    );
  }
  const where = `SLURM_ARRAY_TASK_ID=${id} (min ${min}, step ${step}, count ${count})`;
  if (given !== undefined && given !== count)
    throw usage(`--shard auto/${given}: the Slurm array has ${count} tasks (${where})`);
  return checked((id - min) / step, count, where);
}

function int(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name] ?? '';
  if (!/^\d+$/.test(raw.trim())) throw usage(`--shard auto: ${name}=${raw} is not a whole number`);
  return Number(raw);
}

function checked(index: number, count: number, from: string): Share {
  if (count < 1 || index >= count)
    throw usage(`--shard: ${HELP}; ${from} gives share ${index} of ${count}`);
  return { index, count };
}
