import type { StopReason } from '../cluster/miniBatchKMeans.js';
import type { Palette } from '../types.js';

export interface FitReport {
  /**
   * `exact`: the images have no more than k colours and the palette is exactly those; `given`: a
   * palette was supplied, nothing was fitted.
   */
  method: 'exact' | 'kmeans-histogram' | 'mini-batch-kmeans' | 'given';
  /** Sum of squared distances of the sampled pixels to their nearest centre (0 when exact). */
  inertia: number;
  steps: number;
  stopReason: StopReason | 'converged' | 'exact-colors' | 'given-palette';
  sampleSize: number;
  /** With `fitMpx` on an image big enough: the pixels counted for the fit (nodata left out). */
  sampledPixels?: number;
}

/** The fit report when a palette was given rather than fitted. */
export const GIVEN_PALETTE: FitReport = {
  method: 'given',
  inertia: 0,
  steps: 0,
  stopReason: 'given-palette',
  sampleSize: 0,
};

/** Distinct colours and their pixel counts (see PaletteFitter.counts). */
export interface PixelCounts {
  /** Packed, `colors.length / count` channels each, in colour order. */
  colors: Uint8Array;
  weights: Float64Array;
  count: number;
  /** Whether any pixel counted was not opaque. */
  translucent: boolean;
  /** Pixels left out as nodata. */
  nodataPixels?: number;
  /** Pixels counted, when a sample was (`fitMpx`). */
  sampledPixels?: number;
}

export interface FitResult {
  palette: Palette;
  report: FitReport;
  /** With a PSNR target: the target, whether the chosen k reaches it, and the PSNR it predicts. */
  target?: { psnr: number; reached: boolean; predictedPsnr: number };
}
