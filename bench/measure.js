import { spawnSync } from 'node:child_process';

/** Wall seconds and peak RSS of one command, measured by GNU time; stdout kept for --json. */
export function measure(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', cmd, ...argv], { encoding: 'utf8' });
  const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  return { seconds: Number(m[1]), peakMiB: Number(m[2]) / 1024, stdout: r.stdout };
}
