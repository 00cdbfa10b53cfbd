/** gigaquant's public API: the one-call quantizer and the streaming stages it is built from. */
export { quantizeFile, type QuantizeResult } from './pipeline/quantizeFile.js';
export {
  fitPalette,
  PaletteFitter,
  type FitResult,
  type FitReport,
} from './pipeline/fitPalette.js';
export { applyPalette } from './pipeline/applyPalette.js';
export { chooseBandHeight } from './pipeline/bandHeight.js';
export { psnrFromMse } from './pipeline/stats.js';
export {
  resolveOptions,
  DEFAULTS,
  type QuantizeOptions,
  type ResolvedOptions,
} from './pipeline/quantizeOptions.js';
export { openImage, type ImageSource } from './io/openImage.js';
export { probeImage, type ImageInfo } from './io/probeImage.js';
export { readBands } from './io/readBands.js';
export { createWriter } from './io/createWriter.js';
export { PngWriter } from './io/png/PngWriter.js';
export { TiffWriter } from './io/tiff/TiffWriter.js';
export {
  outputFormatOf,
  outputKindFor,
  maxColors,
  type OutputFormat,
  type OutputKind,
} from './io/outputFormat.js';
export { readImageMetadata, type ImageMetadata } from './io/imageMetadata.js';
export { NpyLabelWriter } from './io/NpyLabelWriter.js';
export { openLabels, labelBands, type LabelSource } from './io/labelSource.js';
export {
  decompressFile,
  type DecompressOptions,
  type DecompressResult,
} from './pipeline/decompressFile.js';
export { EncodedRgbWriter } from './io/EncodedRgbWriter.js';
export { ReservoirSampler } from './cluster/ReservoirSampler.js';
export { DistinctColorCounter } from './cluster/DistinctColorCounter.js';
export { kmeansPlusPlus } from './cluster/kmeansPlusPlus.js';
export {
  miniBatchKMeans,
  type MiniBatchKMeansOptions,
  type KMeansResult,
  type StopReason,
} from './cluster/miniBatchKMeans.js';
export { NearestColorMatcher } from './cluster/nearest/NearestColorMatcher.js';
export { paletteFromColors } from './model/palette.js';
export { Rng } from './cluster/Rng.js';
export { runBatch } from './batch/runBatch.js';
export type { BatchRequest, BatchResult, BatchEvent } from './batch/batchTypes.js';
export { type ManifestRecord } from './batch/manifest.js';
export { loadPalette, savePalette } from './io/paletteFile.js';
export { GigaquantError, ExitCode, type ErrorCode } from './errors.js';
export type { RowBand, Palette, IndexBand, IndexWriter, ProgressEvent } from './types.js';
export { ImageDigestBuilder, type ImageDigest } from './pipeline/ImageDigestBuilder.js';
export { collectBatchReport } from './batch/batchReport.js';
export { compressReport, sweepReport } from './report/singleReports.js';
export { renderReport } from './report/renderReport.js';
export { writeReport } from './report/writeReport.js';
export type { ReportModel, ReportImage } from './report/reportModel.js';
