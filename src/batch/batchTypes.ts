import type { OutputFormat } from '../io/outputFormat.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { ProgressEvent } from '../types.js';
import type { ManifestRecord, Shard } from './manifest.js';

/** Options of the quantizer that a batch passes to every file. */
export type BatchQuantizeOptions = Omit<QuantizeOptions, 'signal' | 'onProgress' | 'palette'>;

export interface BatchRequest {
  /** Glob patterns (fast-glob syntax) or file paths. */
  inputs: string[];
  ignore?: string[];
  outDir: string;
  /** The file format written for every input. Default png. */
  format?: OutputFormat;
  /** Output file name template; see outputPathFor. Default `{name}.{ext}`. */
  name?: string;
  /** Files in flight at once. Default: from cores and memory (defaultConcurrency). */
  concurrency?: number;
  quantize: BatchQuantizeOptions;
  /** Fit one palette over every input and apply it to all of them. */
  sharedPalette?: boolean;
  /**
   * With sharedPalette: fit and save the palette, and stop (a cluster's fit job, whose palette
   * the tasks that follow find saved and reuse).
   */
  paletteOnly?: boolean;
  /** Apply the palette in this .json or .npy file to every input, without fitting. */
  paletteFile?: string;
  shard?: Shard;
  /** Redo every file, even those done with the same options. */
  force?: boolean;
  /** Stop starting files after the first failure. */
  failFast?: boolean;
  /** Write an HTML report of the whole output folder here at the end. */
  report?: string;
  cwd?: string;
  signal?: AbortSignal;
}

export type BatchEvent =
  | {
      type: 'plan';
      total: number;
      inShard: number;
      pixels: number;
      concurrency: number;
      outDir: string;
    }
  | {
      type: 'palette';
      phase: 'fitting' | 'reused' | 'fitted' | 'given';
      rowsDone?: number;
      rows?: number;
    }
  | { type: 'file-start'; input: string; pixels: number }
  | { type: 'file-progress'; input: string; event: ProgressEvent }
  | { type: 'file-end'; record: ManifestRecord; pixels: number }
  | { type: 'end'; result: BatchResult };

export interface BatchResult {
  runId: string;
  outDir: string;
  manifest: string;
  /** Inputs matched by the patterns, and those in this shard. */
  matched: number;
  inShard: number;
  done: number;
  skipped: number;
  /** Outputs refused by --skip-if-larger or --min-psnr: not failures, the exit code is 0. */
  rejected: number;
  failed: number;
  /** Interrupted by the signal: files not started are not recorded and run next time. */
  interrupted: boolean;
  records: ManifestRecord[];
  totals: { pixels: number; inputBytes: number; outputBytes: number; seconds: number };
  palette?: { json: string; npy: string };
  /** The HTML report written at the end, when asked for. */
  report?: string;
  /** The CLI's exit code for this result. */
  exitCode: number;
}
