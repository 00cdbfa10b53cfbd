// Where a run's time goes, phase by phase: wall time, and the CPU time each of the process's
// threads spent in it (from /proc/self/task), for the README's account of what bounds the big
// rows. Run as: node --expose-gc bench/phaseCpu.js in.tif out.tif [k] [compression level]
// (after npm run build; the CLI starts its own process with --expose-gc and malloc's tuning).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [input, output, k = '256', level] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node --expose-gc bench/phaseCpu.js in.tif out.tif [k] [level]');
  process.exit(2);
}
const { quantizeFile } = await import(new URL('../dist/index.js', import.meta.url).href);

/** CPU seconds so far of each thread, by thread id. */
function threadSeconds() {
  const seconds = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks of 1/100 s.
      seconds.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return seconds;
}

const start = performance.now();
const marks = [{ phase: 'start', at: 0, seconds: threadSeconds() }];
const options = { k: Number(k), tile: 512 };
if (level !== undefined) options.compressionLevel = Number(level);
await quantizeFile(input, output, {
  ...options,
  onProgress: ({ phase }) => {
    if (marks.some((m) => m.phase === phase)) return;
    marks.push({ phase, at: (performance.now() - start) / 1000, seconds: threadSeconds() });
  },
});
marks.push({ phase: 'end', at: (performance.now() - start) / 1000, seconds: threadSeconds() });

const main = String(process.pid);
const threads = [...marks.at(-1).seconds.keys()];
console.log(
  '| phase | wall s | CPU s | cores | main thread s | other threads s (by start order) |',
);
console.log(
  '|-------|--------|-------|-------|---------------|----------------------------------|',
);
for (let i = 1; i < marks.length; i++) {
  const [before, after] = [marks[i - 1], marks[i]];
  const spent = threads.map((t) => (after.seconds.get(t) ?? 0) - (before.seconds.get(t) ?? 0));
  const total = spent.reduce((a, b) => a + b, 0);
  const wall = after.at - before.at;
  const others = threads
    .map((t, j) => [t, spent[j]])
    .filter(([t, s]) => t !== main && s >= 0.05)
    .map(([, s]) => s.toFixed(1));
  console.log(
    `| ${before.phase} -> ${after.phase} | ${wall.toFixed(2)} | ${total.toFixed(1)} | ${(total / wall).toFixed(2)} | ${(spent[threads.indexOf(main)] ?? 0).toFixed(1)} | ${others.join(' ')} |`,
  );
}
