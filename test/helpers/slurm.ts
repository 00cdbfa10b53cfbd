import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPTS = fileURLToPath(new URL('../slurm/', import.meta.url));

/** Why the Slurm tests cannot run here, or undefined when they can. */
export function slurmMissing(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v slurmctld && command -v munged']).status !== 0)
    return 'slurmctld/munged are not installed (apt-get install slurm-wlm munge; .ci/run does)';
  if (process.getuid?.() !== 0 && !slurmAnswers())
    return 'no Slurm is running and starting one needs root';
  return undefined;
}

function slurmAnswers(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
  return r.status === 0 && /idle|mix|alloc/.test(r.stdout);
}

/**
 * A one-node Slurm for the tests (test/slurm/, after ../shared/scaleout): started unless one
 * already answers; `stop` stops it only if it was started here.
 */
export function startSlurm(): { stop(): void } {
  if (slurmAnswers()) return { stop() {} };
  const up = spawnSync('bash', [`${SCRIPTS}slurm-up.sh`], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`Slurm did not start: ${up.stdout}${up.stderr}`);
  return {
    stop() {
      spawnSync('bash', [`${SCRIPTS}slurm-down.sh`]);
    },
  };
}

/** Waits until Slurm no longer lists any of the jobs. */
export async function jobsGone(ids: string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = spawnSync('squeue', ['-h', '-o', '%i'], { encoding: 'utf8' }).stdout ?? '';
    const listed = out.split('\n').map((l) => /^(\d+)/.exec(l.trim())?.[1]);
    if (!ids.some((id) => listed.includes(id))) return;
    if (Date.now() > deadline) throw new Error(`jobs ${ids.join(', ')} still queued`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
