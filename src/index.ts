/**
 * gigaquant's public API: the operations (one image, a label image back to an image, the k
 * curve, a folder), their reports, palette files, and errors. The streaming stages they are
 * built from are exported from `gigaquant/stages`.
 */
export { quantizeFile, type QuantizeResult } from './pipeline/quantizeFile.js';
export { DEFAULTS, type QuantizeOptions } from './pipeline/quantizeOptions.js';
export type { FitReport, FitResult } from './pipeline/fitReport.js';
export type { StopReason } from './cluster/miniBatchKMeans.js';
export type { ImageDigest } from './pipeline/ImageDigestBuilder.js';
export {
  decompressFile,
  type DecompressOptions,
  type DecompressResult,
} from './pipeline/decompressFile.js';
export {
  sweepFile,
  parseKs,
  type SweepOptions,
  type SweepResult,
  type SweepRow,
} from './pipeline/sweepFile.js';
export type { OutputFigures } from './pipeline/outputFigures.js';
export { runBatch } from './batch/runBatch.js';
export type {
  BatchEvent,
  BatchQuantizeOptions,
  BatchRequest,
  BatchResult,
} from './batch/batchTypes.js';
export type { FileStatus, ManifestRecord, Shard } from './batch/manifest.js';
export { collectBatchReport } from './batch/batchReport.js';
export { compressReport, sweepReport } from './report/singleReports.js';
export { renderReport } from './report/renderReport.js';
export { writeReport } from './report/writeReport.js';
export type {
  ReportFailure,
  ReportImage,
  ReportModel,
  ReportSweep,
  SweepPoint,
} from './report/reportModel.js';
export { loadPalette, savePalette } from './io/paletteFile.js';
export type { OutputFormat, OutputKind } from './io/outputFormat.js';
export { shutdownRuntime } from './runtime/shutdown.js';
export { GigaquantError, ExitCode, type ErrorCode } from './errors.js';
export type { ColorSpace, Palette, ProgressEvent } from './types.js';
