import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { asGigaquantError, GigaquantError, usageError } from '../errors.js';
import { carriesAlpha } from '../io/outputFormat.js';
import { loadPalette } from '../io/paletteFile.js';
import { removeStaleTemps } from '../io/staleTemps.js';
import { resolveOptions, type QuantizeOptions } from '../pipeline/quantizeOptions.js';
import { paletteOutIsBesideOutputs } from '../pipeline/outputRules.js';
import { checkReportPath, writeReport } from '../report/writeReport.js';
import { shareDecoderThreads } from '../runtime/sharpSettings.js';
import type { Palette } from '../types.js';
import { collectBatchReport } from './batchReport.js';
import type { BatchEvent, BatchRequest, BatchResult } from './batchTypes.js';
import { acquireLock } from './lock.js';
import { compactManifests, loadManifests, manifestPartName, ManifestWriter } from './manifest.js';
import type { ManifestRecord } from './manifest.js';
import { optionsKey } from './optionsKey.js';
import { checkNameTemplate, DEFAULT_NAME_TEMPLATE } from './outputPath.js';
import { defaultConcurrency, planBatch } from './planBatch.js';
import { probeAll } from './probeAll.js';
import { inputsOfShard } from './balanceShards.js';
import { processOne } from './processOne.js';
import { obtainSharedPalette } from './sharedPalette.js';
import { summarizeRun } from './summarizeRun.js';
import { WorkerPool } from './WorkerPool.js';

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
  const template = request.name ?? DEFAULT_NAME_TEMPLATE;
  checkNameTemplate(template);
  if (request.report) checkReportPath(request.report);
  if (request.sharedPalette && request.paletteFile)
    throw new GigaquantError('E_USAGE', 'use either --shared-palette or --palette, not both');
  if (request.paletteOnly && !request.sharedPalette)
    throw new GigaquantError(
      'E_USAGE',
      '--palette-only fits the shared palette: add --shared-palette',
    );
  const given = request.paletteFile ? await loadPalette(request.paletteFile) : undefined;
  // Validate the per-file options once, for the whole batch, before any work.
  const resolved = resolveOptions(request.format ?? 'png', { ...request.quantize, palette: given });
  if (!paletteOutIsBesideOutputs(resolved.rules))
    throw usageError(
      `--palette-out in a batch takes format names (json, npy, gpl, act, txt, qml): one file beside each output`,
    );
  const concurrency = request.concurrency ?? defaultConcurrency(resolved.memoryBudget);

  const outDir = resolve(request.cwd ?? process.cwd(), request.outDir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (err) {
    throw asGigaquantError(err, 'E_OUTPUT', outDir);
  }
  const { shard } = request;
  const lock = await acquireLock(
    join(
      outDir,
      shard ? `.gigaquant.shard-${shard.index}-of-${shard.count}.lock` : '.gigaquant.lock',
    ),
  );
  shareDecoderThreads(concurrency);
  const pool = new WorkerPool(concurrency);
  try {
    await removeStaleTemps(outDir, request.quantize.tmpDir ?? tmpdir(), { recursive: true });
    if (!shard) await compactManifests(outDir);
    const plan = await planBatch(
      request.inputs,
      { ignore: request.ignore, outDir, cwd: request.cwd, template },
      resolved,
    );
    // Every shard reads every header, to share the inputs out by pixels the same way.
    const everyInput = await probeAll(plan, resolved.maxPixels);
    const inputs = shard ? inputsOfShard(everyInput, shard) : everyInput;
    report({
      type: 'plan',
      total: plan.length,
      inShard: inputs.length,
      pixels: inputs.reduce((s, i) => s + i.pixels, 0),
      concurrency,
      outDir,
    });

    let palette: Palette | undefined = given;
    let paletteFiles: BatchResult['palette'];
    if (given) report({ type: 'palette', phase: 'given' });
    if (request.sharedPalette) {
      // Every shard fits on every input, so all shards arrive at the same palette (or reuses the
      // one a fit job saved first: see `paletteOnly`).
      const shared = await obtainSharedPalette(
        everyInput,
        outDir,
        { ...resolved, signal: request.signal },
        carriesAlpha(resolved.format, resolved.kind),
        report,
      );
      palette = shared.palette;
      paletteFiles = shared.files;
    }

    if (request.paletteOnly) {
      const result: BatchResult = {
        runId,
        outDir,
        manifest: join(outDir, manifestPartName(shard)),
        matched: plan.length,
        inShard: 0,
        ...summarizeRun([], false, started),
        palette: paletteFiles,
      };
      report({ type: 'end', result });
      return result;
    }

    const key = optionsKey(resolved, template, palette);
    const previous = await loadManifests(outDir);
    const manifest = new ManifestWriter(join(outDir, manifestPartName(shard)));

    // Interrupts and --fail-fast stop new files from starting; files in flight see `stop` too.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) stop.abort();

    const limit = pLimit(concurrency);
    const records: ManifestRecord[] = [];
    const workerOptions: QuantizeOptions = {
      ...request.quantize,
      format: resolved.format,
      digest: true,
      palette,
      // The shared palette was fitted around them; each file only applies it.
      keepColors: palette ? undefined : request.quantize.keepColors,
      signal: undefined,
      onProgress: undefined,
    };

    await Promise.all(
      inputs.map((input) =>
        limit(async () => {
          if (stop.signal.aborted) return;
          const record = await processOne(input, {
            outDir,
            optionsKey: key,
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

    const result: BatchResult = {
      runId,
      outDir,
      manifest: manifest.path,
      matched: plan.length,
      inShard: inputs.length,
      ...summarizeRun(records, request.signal?.aborted === true, started),
      palette: paletteFiles,
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
