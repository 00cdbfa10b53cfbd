import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { writeFileAtomically } from '../io/tempFiles.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import { reportImage, type ReportImage, type ReportModel } from '../report/reportModel.js';
import { VERSION } from '../version.js';
import { loadManifests, MANIFEST_NAME, type ManifestRecord } from './manifest.js';

/**
 * Where a batch keeps what the report shows of each output (thumbnails, palette, shares, sampled
 * colours), so that `gigaquant report` can be run at any time later without decoding anything.
 */
export const REPORT_DATA_DIR = '.gigaquant-report';

export function reportDataPath(outDir: string, outputRel: string): string {
  return join(outDir, REPORT_DATA_DIR, `${outputRel}.json`);
}

/**
 * Keeps what a report shows of this output beside the manifest. The output itself is done and
 * recorded whatever happens here: a report without one image's thumbnails is the worst outcome.
 */
export async function keepReportData(
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
    const path = reportDataPath(outDir, entry.output);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomically(path, JSON.stringify(entry));
  } catch {
    // See above: nothing to undo.
  }
}

/**
 * The report of a batch's output folder (or of its manifest file): every input the manifest
 * records, done ones with their figures and, where kept, their thumbnails; failed ones with
 * their reasons.
 */
export async function collectBatchReport(target: string): Promise<ReportModel> {
  const resolved = resolve(target);
  let isDir: boolean;
  try {
    isDir = (await stat(resolved)).isDirectory();
  } catch {
    throw usageError(`${target}: no such output folder or manifest`);
  }
  const outDir = isDir ? resolved : dirname(resolved);
  const records = await loadManifests(outDir);
  if (records.size === 0)
    throw usageError(`${target}: no ${MANIFEST_NAME} here; run gigaquant batch into it first`);
  const images: ReportImage[] = [];
  const failed: ReportModel['failed'] = [];
  const rejected: ReportModel['failed'] = [];
  const sorted = [...records.values()].sort((a, b) => (a.input < b.input ? -1 : 1));
  for (const record of sorted) {
    if (record.status === 'failed') {
      failed.push({
        input: record.input,
        code: record.error?.code ?? 'E_UNKNOWN',
        message: record.error?.message ?? 'failed',
      });
      continue;
    }
    if (record.status === 'rejected') {
      rejected.push({
        input: record.input,
        code: record.rejected?.rule ?? 'rejected',
        message: `${record.rejected?.reason ?? ''}${record.rejected?.original ? '; the input copied there' : ''}`,
      });
      continue;
    }
    if (!record.figures) continue;
    images.push((await loadReportData(outDir, record)) ?? fromFigures(record));
  }
  return {
    title: `gigaquant report: ${basename(outDir)}`,
    generatedAt: new Date().toISOString(),
    software: `gigaquant ${VERSION}`,
    images,
    failed,
    rejected,
  };
}

async function loadReportData(
  outDir: string,
  record: ManifestRecord,
): Promise<ReportImage | undefined> {
  try {
    const entry = JSON.parse(
      await readFile(reportDataPath(outDir, record.output), 'utf8'),
    ) as ReportImage;
    // The manifest has the last word on names and figures.
    return { ...entry, ...record.figures, input: record.input, output: record.output };
  } catch {
    return undefined;
  }
}

function fromFigures(record: ManifestRecord): ReportImage {
  const f = record.figures as NonNullable<ManifestRecord['figures']>;
  return { input: record.input, output: record.output, ...f };
}
