// npm run fuzz -- --seed S --count N [--parallel P] [--only I,J --keep DIR]: mutation fuzzing of
// every input format (see harness.js for what each case must show). Prints the counts and every
// failure; exits 1 when any case failed. --only reruns cases I, J of that seed and count, and
// --keep copies each case's files (the mutant, what the run left) and its draw into DIR.
import { runFuzz } from './harness.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const seed = option('seed', Date.now() % 1e9);
const count = option('count', 200);
const parallel = option('parallel', 2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1].split(',').map(Number) : undefined;
const keepAt = args.indexOf('--keep');
const keep = keepAt >= 0 ? args[keepAt + 1] : undefined;
const started = Date.now();
const verdicts = await runFuzz({
  seed,
  count,
  parallel,
  log: (line) => console.log(line),
  only,
  keep,
});
const { failed, ...counts } = verdicts;
console.log(
  JSON.stringify({
    seed,
    ...counts,
    failed: failed.length,
    seconds: (Date.now() - started) / 1000,
  }),
);
process.exitCode = failed.length > 0 ? 1 : 0;
