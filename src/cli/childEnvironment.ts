/**
 * The environment of the CLI's tuned child process (see bin.ts). glibc reads these only when a
 * process starts, hence the child.
 */
export const MALLOC_TUNING: Record<string, string> = {
  MALLOC_ARENA_MAX: '2',
  // Blocks from 4 MiB are mapped for themselves and given back when freed; smaller ones are
  // reused. At 128 KiB every libvips tile-row buffer was a fresh mapping, and its pages are
  // first-touched again (~15 us a page on a virtual machine): a 184 Mpx run spent 0.93x the
  // wall time with 4 MiB at the same peak (3 paired runs). From 8 MiB the peak rose 18 MiB.
  MALLOC_MMAP_THRESHOLD_: String(4 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(4 * 1024 * 1024),
};

/**
 * Transparent huge pages for what malloc maps: every band libvips decodes lands in fresh memory,
 * and on a virtual machine a first touch costs ~12 us per 4 KiB page but ~0.25 us per 4 KiB of a
 * reused 2 MiB page. A 2 Gpx run took 3.26 M page faults and 81 s; with this, 196 K and 59 s, at
 * the same peak. Kernels whose THP setting is `never`, and glibc before 2.35, ignore it.
 */
const GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1';

/**
 * `env` with the tuning added: a variable the caller set wins, and the caller's own glibc
 * tunables come after ours, so that one naming the same tunable overrides it.
 */
export function tunedEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const theirs = env.GLIBC_TUNABLES;
  return {
    ...MALLOC_TUNING,
    ...env,
    GLIBC_TUNABLES: theirs ? `${GLIBC_TUNABLES}:${theirs}` : GLIBC_TUNABLES,
  };
}
