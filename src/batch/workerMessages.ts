import type { ErrorCode } from '../errors.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { ProgressEvent } from '../types.js';

/** What the batch runner sends a worker. Options must be structured-clonable (no functions). */
export type WorkerRequest =
  | { type: 'run'; id: number; input: string; output: string; options: QuantizeOptions }
  | { type: 'abort'; id: number };

export type WorkerReply =
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'done'; id: number; result: QuantizeResult }
  | {
      type: 'failed';
      id: number;
      error: { code: ErrorCode; message: string; file?: string; stack?: string };
    };
