import { extname } from 'node:path';
import { asGigaquantError, usageError } from '../errors.js';
import { writeFileAtomically } from '../io/tempFiles.js';
import type { ReportModel } from './reportModel.js';
import { renderReport } from './renderReport.js';

/** Refuses a report name that is not a web page, before any work is done. */
export function checkReportPath(path: string): void {
  if (!['.html', '.htm'].includes(extname(path).toLowerCase()))
    throw usageError(`${path}: a report is an HTML page; name it .html`);
}

/** Writes the report page to `path` (.html or .htm), under a temporary name until complete. */
export async function writeReport(path: string, model: ReportModel): Promise<void> {
  checkReportPath(path);
  try {
    await writeFileAtomically(path, renderReport(model));
  } catch (err) {
    throw asGigaquantError(err, 'E_OUTPUT', path);
  }
}
