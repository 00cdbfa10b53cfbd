import { ExitCode } from '../errors.js';
import { shutdownRuntime } from '../runtime/shutdown.js';
import { quickCompressArgs, runCompress } from './compress.js';

/**
 * What is printed is a report of the work, not the work: a reader that went away (`| head -1`)
 * or a full disk behind `> file` must not crash a run that is writing correct outputs, nor
 * leave its lock or temporary files behind. Later writes to such a stream are dropped.
 */
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

/**
 * Started by the launcher (bin.ts), this process stops when the launcher dies, however it died:
 * as on SIGTERM, work in flight is abandoned and temporary files are removed. An orphan must
 * never go on to write an output its user has given up on.
 */
if (process.channel) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel.unref();
}

/**
 * A plain `compress` line runs without loading yargs (cli/quickArgs.ts says why); every other
 * line, and any compress line it is unsure of, goes through the full command table.
 */
async function run(argv: string[]): Promise<number> {
  const quick = quickCompressArgs(argv);
  if (quick) return runCompress(quick);
  const { runCommandLine } = await import('./commands.js');
  return runCommandLine(argv);
}

run(process.argv.slice(2)).then(
  (code) => {
    shutdownRuntime();
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `gigaquant: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = ExitCode.internal;
  },
);
