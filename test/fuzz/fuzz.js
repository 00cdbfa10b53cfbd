// npm run fuzz -- --seed S --count N [--parallel P]: mutation fuzzing of every input format
// (see harness.js for what each case must show). Prints the counts and every failure; exits 1
// when any case failed.
import { runFuzz } from './harness.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const seed = option('seed', Date.now() % 1e9);
const count = option('count', 200);
const parallel = option('parallel', 2);
const started = Date.now();
const verdicts = await runFuzz({ seed, count, parallel, log: (line) => console.log(line) });
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
