/**
 * Exit codes of the CLI, one per kind of failure so that scripts and cron can tell them apart.
 * Documented in the README; never renumber.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  output: 4,
  someFailed: 5,
  locked: 6,
  /** --skip-if-larger refused the output (pngquant's code for the same). */
  notSmaller: 98,
  /** --min-psnr refused the output (pngquant's code for quality too low). */
  belowMinPsnr: 99,
  interrupted: 130,
} as const;

export type ErrorCode =
  | 'E_USAGE'
  | 'E_INPUT_MISSING'
  | 'E_INPUT_UNREADABLE'
  | 'E_INPUT_CORRUPT'
  | 'E_INPUT_TOO_LARGE'
  | 'E_OUTPUT'
  | 'E_LOCKED'
  | 'E_ABORTED'
  | 'E_INTERNAL';

const exitCodeOf: Record<ErrorCode, number> = {
  E_USAGE: ExitCode.usage,
  E_INPUT_MISSING: ExitCode.input,
  E_INPUT_UNREADABLE: ExitCode.input,
  E_INPUT_CORRUPT: ExitCode.input,
  E_INPUT_TOO_LARGE: ExitCode.input,
  E_OUTPUT: ExitCode.output,
  E_LOCKED: ExitCode.locked,
  E_ABORTED: ExitCode.interrupted,
  E_INTERNAL: ExitCode.internal,
};

/** The one error type gigaquant throws: a stable `code`, the CLI's `exitCode`, and the `file` at fault. */
export class GigaquantError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GigaquantError';
    this.code = code;
    this.exitCode = exitCodeOf[code];
    this.file = options.file;
  }
}

export function usageError(message: string): GigaquantError {
  return new GigaquantError('E_USAGE', message);
}

export function abortedError(): GigaquantError {
  return new GigaquantError('E_ABORTED', 'interrupted');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

/** Wraps anything thrown into a GigaquantError, keeping ours as they are. */
export function asGigaquantError(err: unknown, fallback: ErrorCode, file?: string): GigaquantError {
  if (err instanceof GigaquantError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GigaquantError(fallback, file ? `${file}: ${message}` : message, { file, cause: err });
}
