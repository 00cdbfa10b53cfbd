import { mkdir, stat } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { asGigaquantError } from '../errors.js';
import { figuresOf } from '../pipeline/outputFigures.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import { keepReportData } from './batchReport.js';
import type { BatchEvent } from './batchTypes.js';
import { fingerprintFile } from './fingerprint.js';
import type { FileStatus, ManifestRecord } from './manifest.js';
import type { PlannedInput } from './probeAll.js';
import type { WorkerPool } from './WorkerPool.js';

export interface ProcessContext {
  outDir: string;
  optionsKey: string;
  runId: string;
  previous: ManifestRecord | undefined;
  force: boolean;
  pool: WorkerPool;
  options: QuantizeOptions;
  signal: AbortSignal;
  report: (e: BatchEvent) => void;
}

/** One input: skipped, done or failed, as a manifest record; undefined when interrupted. */
export async function processOne(
  input: PlannedInput,
  ctx: ProcessContext,
): Promise<ManifestRecord | undefined> {
  const outputRel = relative(ctx.outDir, input.output);
  const st = await stat(input.file).catch(() => undefined);
  const size = st?.size ?? 0;
  const mtimeMs = st?.mtimeMs ?? 0;
  let sha256: string | undefined;
  /** This input's manifest line, as things stand when it is made. */
  const record = (status: FileStatus, extra: Partial<ManifestRecord> = {}): ManifestRecord => ({
    input: input.rel,
    output: outputRel,
    optionsKey: ctx.optionsKey,
    runId: ctx.runId,
    status,
    size,
    mtimeMs,
    sha256,
    ...extra,
    finishedAt: new Date().toISOString(),
  });

  const prev = ctx.previous;
  const unchanged = async (): Promise<boolean> => {
    if (!st || !prev?.sha256) return false;
    // Same size and time: trust the recorded fingerprint, as git trusts its index.
    sha256 =
      prev.size === size && prev.mtimeMs === mtimeMs
        ? prev.sha256
        : await fingerprintFile(input.file).catch(() => undefined);
    return sha256 === prev.sha256;
  };
  const sameJob = !ctx.force && prev?.optionsKey === ctx.optionsKey && prev.output === outputRel;
  if (sameJob && (prev.status === 'done' || prev.status === 'skipped')) {
    const outputThere = await stat(input.output)
      .then((s) => s.isFile())
      .catch(() => false);
    if (outputThere && (await unchanged())) {
      return record('skipped', { figures: prev.figures });
    }
  }
  // A refused output is refused again until the input or the options change.
  if (sameJob && prev.status === 'rejected' && prev.rejected && (await unchanged())) {
    const copyThere =
      !prev.rejected.original ||
      (await stat(input.output)
        .then((s) => s.isFile())
        .catch(() => false));
    if (copyThere)
      return record('rejected', { rejected: prev.rejected, figures: prev.figures, retried: false });
  }
  // A bad input fails the same way until it changes; other failures (disk full, ...) are retried.
  if (
    sameJob &&
    prev.status === 'failed' &&
    prev.error?.code.startsWith('E_INPUT') &&
    (await unchanged())
  ) {
    return record('failed', { error: prev.error, retried: false });
  }

  ctx.report({ type: 'file-start', input: input.rel, pixels: input.pixels });
  if (input.probeError) {
    sha256 ??= st?.isFile() ? await fingerprintFile(input.file).catch(() => undefined) : undefined;
    return record('failed', { error: input.probeError });
  }
  try {
    sha256 ??= await fingerprintFile(input.file);
    await mkdir(dirname(input.output), { recursive: true });
    const result = await ctx.pool.run(input.file, input.output, ctx.options, {
      signal: ctx.signal,
      onProgress: (event) => ctx.report({ type: 'file-progress', input: input.rel, event }),
    });
    if (result.rejected)
      return record('rejected', { rejected: result.rejected, figures: figuresOf(result) });
    await keepReportData(ctx.outDir, result, input.rel, outputRel);
    return record('done', { figures: figuresOf(result) });
  } catch (err) {
    const e = asGigaquantError(err, 'E_INTERNAL', input.file);
    if (e.code === 'E_ABORTED') return undefined;
    return record('failed', { error: { code: e.code, message: e.message } });
  }
}
