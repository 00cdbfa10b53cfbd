import { mkdir, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { ExitCode, GigaquantError, asGigaquantError } from '../errors.js';
import { carriesAlpha, EXTENSION_OF, type OutputFormat } from '../io/outputFormat.js';
import { loadPalette } from '../io/paletteFile.js';
import { resolveOptions, type QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { Palette, ProgressEvent } from '../types.js';
import { expandInputs, relativeInput } from './expandInputs.js';
import { fingerprintFile, keyOf } from './fingerprint.js';
import { acquireLock } from './lock.js';
import {
  compactManifests,
  loadManifests,
  manifestPartName,
  ManifestWriter,
  type FileStatus,
  type ManifestRecord,
  type Shard,
} from './manifest.js';
import {
  checkNameTemplate,
  checkNoCollisions,
  DEFAULT_NAME_TEMPLATE,
  outputPathFor,
} from './outputPath.js';
import { probeAll, type PlannedInput } from './probeAll.js';
import { obtainSharedPalette } from './sharedPalette.js';
import { removeStaleTemps } from './removeStaleTemps.js';
import { kmeansOptions } from '../pipeline/fitPalette.js';
import { WorkerPool } from './workerPool.js';
import { collectBatchReport, saveReportData } from '../report/batchReport.js';
import { reportImage } from '../report/reportModel.js';
import { checkReportPath, writeReport } from '../report/writeReport.js';

export type BatchFormat = OutputFormat;

/** Options of the quantizer that a batch passes to every file. */
export type BatchQuantizeOptions = Omit<QuantizeOptions, 'signal' | 'onProgress' | 'palette'>;

export interface BatchRequest {
  /** Glob patterns (fast-glob syntax) or file paths. */
  inputs: string[];
  ignore?: string[];
  outDir: string;
  format?: BatchFormat;
  /** Output file name template; see outputPathFor. Default `{name}.{ext}`. */
  name?: string;
  /** Files in flight at once. Default: from cores and memory (defaultConcurrency). */
  concurrency?: number;
  quantize: BatchQuantizeOptions;
  /** Fit one palette over every input and apply it to all of them. */
  sharedPalette?: boolean;
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

/** What one file in flight may hold beyond its bands: decoder state, k-means, zlib, a JS heap. */
const PER_FILE_OVERHEAD = 192 * 1024 * 1024;

/** Files in flight by default: one per core, fewer if half the machine's memory cannot hold them. */
export function defaultConcurrency(memoryBudget: number): number {
  const byMemory = Math.floor(totalmem() / 2 / (memoryBudget * 2 + PER_FILE_OVERHEAD));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}

/**
 * Quantizes every file the patterns match into `outDir`, N at a time, recording each in the
 * manifest as it finishes, skipping what an earlier run already did with the same options, and
 * carrying on past files that fail. Returns counts and records rather than printing: `report`
 * hears every event.
 */
export async function runBatch(
  request: BatchRequest,
  report: (e: BatchEvent) => void = () => {},
): Promise<BatchResult> {
  const started = Date.now();
  const runId = `${new Date(started).toISOString()}-${process.pid}`;
  const format = request.format ?? 'png';
  const ext = EXTENSION_OF[format];
  const template = request.name ?? DEFAULT_NAME_TEMPLATE;
  checkNameTemplate(template);
  if (request.report) checkReportPath(request.report);
  if (request.sharedPalette && request.paletteFile)
    throw new GigaquantError('E_USAGE', 'use either --shared-palette or --palette, not both');
  const given = request.paletteFile ? await loadPalette(request.paletteFile) : undefined;
  // Validate the per-file options once, for the whole batch, before any work.
  const resolved = resolveOptions(`x.${ext}`, { ...request.quantize, palette: given });
  const concurrency = request.concurrency ?? defaultConcurrency(resolved.memoryBudget);
  const tmpDir = request.quantize.tmpDir ?? tmpdir();

  const outDir = resolve(request.cwd ?? process.cwd(), request.outDir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw asGigaquantError(err, 'E_OUTPUT', outDir);
  }
  const lock = await acquireLock(
    join(
      outDir,
      request.shard
        ? `.gigaquant.shard-${request.shard.index}-of-${request.shard.count}.lock`
        : '.gigaquant.lock',
    ),
  );
  shareDecoderThreads(concurrency);
  const pool = new WorkerPool(concurrency);
  try {
    await removeStaleTemps(outDir, tmpDir);
    if (!request.shard) await compactManifests(outDir);

    const { files, base } = await expandInputs(request.inputs, {
      ignore: request.ignore,
      exclude: outDir,
      cwd: request.cwd,
    });
    const planned = files.map((file, index) => {
      const rel = relativeInput(base, file);
      return {
        file,
        rel,
        index,
        output: outputPathFor(outDir, rel, template, {
          k: resolved.k,
          seed: resolved.seed,
          format,
          ext,
        }),
      };
    });
    checkNoCollisions(planned.map((p) => ({ input: p.rel, output: p.output })));
    const mine = request.shard
      ? planned.filter((p) => p.index % request.shard!.count === request.shard!.index)
      : planned;
    const inputs: PlannedInput[] = await probeAll(mine, resolved.maxPixels);
    report({
      type: 'plan',
      total: planned.length,
      inShard: mine.length,
      pixels: inputs.reduce((s, i) => s + i.pixels, 0),
      concurrency,
      outDir,
    });

    let palette: Palette | undefined = given;
    let paletteFiles: BatchResult['palette'];
    if (given) report({ type: 'palette', phase: 'given' });
    if (request.sharedPalette) {
      // Every shard fits on every input, so all shards arrive at the same palette.
      const all = request.shard ? await probeAll(planned, resolved.maxPixels) : inputs;
      const shared = await obtainSharedPalette(
        all,
        outDir,
        { ...resolved, signal: request.signal },
        carriesAlpha(resolved.format, resolved.kind),
        report,
      );
      palette = shared.palette;
      paletteFiles = shared.files;
    }

    const optionsKey = keyOf({
      ...kmeansOptions(resolved),
      format,
      template,
      k: palette ? palette.size : resolved.k,
      sample: resolved.sample,
      compressionLevel: resolved.compressionLevel,
      dither: resolved.dither,
      targetPsnr: resolved.targetPsnr,
      space: resolved.space,
      bigtiff: resolved.bigtiff,
      // Absent at their defaults, so that outputs made before these options existed stay done.
      kind: resolved.kind === 'palette' ? undefined : resolved.kind,
      tile: resolved.tile,
      quality: resolved.quality,
      palette: palette ? keyOf(Array.from(palette.colors)) + `/${palette.channels}` : undefined,
    });
    const previous = await loadManifests(outDir);
    const manifest = new ManifestWriter(join(outDir, manifestPartName(request.shard)));

    // Interrupts and --fail-fast stop new files from starting; files in flight see `stop` too.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) stop.abort();

    const limit = pLimit(concurrency);
    const records: ManifestRecord[] = [];
    const workerOptions: QuantizeOptions = {
      ...request.quantize,
      digest: true,
      palette,
      signal: undefined,
      onProgress: undefined,
    };

    await Promise.all(
      inputs.map((input) =>
        limit(async () => {
          if (stop.signal.aborted) return;
          const record = await processOne(input, {
            outDir,
            optionsKey,
            runId,
            previous: previous.get(input.rel),
            force: request.force === true,
            pool,
            options: workerOptions,
            signal: stop.signal,
            report,
          });
          if (!record) return;
          records.push(record);
          await manifest.append(record);
          report({ type: 'file-end', record, pixels: input.pixels });
          if (record.status === 'failed' && request.failFast) stop.abort();
        }),
      ),
    );
    request.signal?.removeEventListener('abort', onAbort);
    await manifest.flush();

    records.sort((a, b) => (a.input < b.input ? -1 : 1));
    const count = (s: string): number => records.filter((r) => r.status === s).length;
    const interrupted = request.signal?.aborted === true;
    const failed = count('failed');
    const result: BatchResult = {
      runId,
      outDir,
      manifest: manifest.path,
      matched: planned.length,
      inShard: mine.length,
      done: count('done'),
      skipped: count('skipped'),
      failed,
      interrupted,
      records,
      totals: {
        pixels: records.reduce(
          (s, r) => s + (r.status === 'done' && r.figures ? r.figures.width * r.figures.height : 0),
          0,
        ),
        inputBytes: records.reduce((s, r) => s + (r.status === 'done' ? r.size : 0), 0),
        outputBytes: records.reduce(
          (s, r) => s + (r.status === 'done' ? (r.figures?.outputBytes ?? 0) : 0),
          0,
        ),
        seconds: (Date.now() - started) / 1000,
      },
      palette: paletteFiles,
      exitCode: interrupted ? ExitCode.interrupted : failed > 0 ? ExitCode.someFailed : ExitCode.ok,
    };
    if (request.report) {
      result.report = request.report;
      await writeReport(request.report, await collectBatchReport(outDir));
    }
    report({ type: 'end', result });
    return result;
  } finally {
    await pool.close();
    await lock.release();
  }
}

interface ProcessContext {
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
async function processOne(
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
    finishedAt: now(),
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
    const result: QuantizeResult = await ctx.pool.run(input.file, input.output, ctx.options, {
      signal: ctx.signal,
      onProgress: (event) => ctx.report({ type: 'file-progress', input: input.rel, event }),
    });
    const figures = {
      width: result.width,
      height: result.height,
      k: result.k,
      colors: result.colors,
      psnr: Number.isFinite(result.psnr) ? result.psnr : null,
      bitsPerPixel: result.bitsPerPixel,
      inputBytes: result.inputBytes,
      outputBytes: result.outputBytes,
      seconds: result.seconds,
    };
    await keepReportData(ctx.outDir, result, input.rel, outputRel);
    return record('done', { figures });
  } catch (err) {
    const e = asGigaquantError(err, 'E_INTERNAL', input.file);
    if (e.code === 'E_ABORTED') return undefined;
    return record('failed', { error: { code: e.code, message: e.message } });
  }
}

/**
 * Keeps what a report shows of this output beside the manifest. The output itself is done and
 * recorded whatever happens here: a report without one image's thumbnails is the worst outcome.
 */
async function keepReportData(
  outDir: string,
  result: QuantizeResult,
  inputRel: string,
  outputRel: string,
): Promise<void> {
  try {
    const entry = await reportImage(
      { ...result, input: inputRel, output: outputRel },
      result.palette,
      result.digest,
    );
    await saveReportData(outDir, entry);
  } catch {
    // See above: nothing to undo.
  }
}

function now(): string {
  return new Date().toISOString();
}

/** libvips' threads shared out so that N files in flight do not oversubscribe the cores. */
export function shareDecoderThreads(concurrency: number): void {
  sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / concurrency)));
}
