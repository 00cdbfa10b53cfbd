import { ExitCode } from '../errors.js';
import type { BatchResult } from './batchTypes.js';
import type { ManifestRecord } from './manifest.js';

/** The counts and totals of a run's records, and the exit code they come to. */
export function summarizeRun(
  records: ManifestRecord[],
  interrupted: boolean,
  started: number,
): Pick<
  BatchResult,
  'records' | 'done' | 'skipped' | 'rejected' | 'failed' | 'interrupted' | 'totals' | 'exitCode'
> {
  const sorted = [...records].sort((a, b) => (a.input < b.input ? -1 : 1));
  const count = (s: string): number => sorted.filter((r) => r.status === s).length;
  const done = sorted.filter((r) => r.status === 'done');
  const failed = count('failed');
  return {
    records: sorted,
    done: done.length,
    skipped: count('skipped'),
    rejected: count('rejected'),
    failed,
    interrupted,
    totals: {
      pixels: done.reduce((s, r) => s + (r.figures ? r.figures.width * r.figures.height : 0), 0),
      inputBytes: done.reduce((s, r) => s + r.size, 0),
      outputBytes: done.reduce((s, r) => s + (r.figures?.outputBytes ?? 0), 0),
      seconds: (Date.now() - started) / 1000,
    },
    exitCode: interrupted ? ExitCode.interrupted : failed > 0 ? ExitCode.someFailed : ExitCode.ok,
  };
}
