import { GigaquantError } from '../errors.js';

/**
 * How a command ends on a GigaquantError: the message on stderr (and as JSON on stdout with
 * --json), and the error's exit code. Anything else is a bug and is thrown on.
 */
export function handleCliError(err: unknown, json = false): number {
  if (!(err instanceof GigaquantError)) throw err;
  if (json)
    process.stdout.write(
      JSON.stringify({ error: { code: err.code, message: err.message, file: err.file } }) + '\n',
    );
  process.stderr.write(`gigaquant: error: ${err.message}\n`);
  return err.exitCode;
}
