/**
 * `gigaquant/stages`: the streaming stages the operations are built from, for programs that
 * assemble their own pipeline (read bands, fit, match, write). Their contracts are the plain
 * types of `types.ts`: RowBand in, Palette, IndexBand out, IndexWriter at the end.
 */
export { openImage, type ImageSource, type OpenImageOptions } from '../io/openImage.js';
export { probeImage, type ImageInfo } from '../io/probeImage.js';
export { readBands, type ReadBandsOptions } from '../io/readBands.js';
export {
  openLabels,
  labelBands,
  type LabelSource,
  type OpenLabelsOptions,
} from '../io/labelSource.js';
export { readImageMetadata, type ImageMetadata, type Resolution } from '../io/imageMetadata.js';
export { createWriter, type WriterOptions } from '../io/createWriter.js';
export { resolveOptions, type ResolvedOptions } from '../pipeline/quantizeOptions.js';
export { fitPalette } from '../pipeline/fitPalette.js';
export { PaletteFitter } from '../pipeline/PaletteFitter.js';
export type { FitReport, FitResult } from '../pipeline/fitReport.js';
export { applyPalette, type ApplyResult } from '../pipeline/applyPalette.js';
export { ImageDigestBuilder } from '../pipeline/ImageDigestBuilder.js';
export { psnrFromMse } from '../pipeline/stats.js';
export { ReservoirSampler } from '../cluster/ReservoirSampler.js';
export { DistinctColorCounter } from '../cluster/DistinctColorCounter.js';
export { ColorHistogram } from '../cluster/ColorHistogram.js';
export { kmeansPlusPlus, type SeedingOptions } from '../cluster/kmeansPlusPlus.js';
export { lloydKMeans, type LloydKMeansOptions, type LloydResult } from '../cluster/lloydKMeans.js';
export {
  miniBatchKMeans,
  type KMeansResult,
  type MiniBatchKMeansOptions,
} from '../cluster/miniBatchKMeans.js';
export { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
export { Rng } from '../cluster/Rng.js';
export { paletteFromColors, paletteHex } from '../model/palette.js';
export type { Channels } from '../model/channels.js';
export type { IndexBand, IndexWriter, RowBand } from '../types.js';
