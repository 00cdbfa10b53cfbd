import { tmpdir } from 'node:os';
import { usageError } from '../errors.js';
import { checkPalette, integer, number, oneOf } from './optionChecks.js';
import {
  carriesAlpha,
  formatName,
  isEncodedFormat,
  maxColors,
  outputKindFor,
  type OutputFormat,
  type OutputKind,
} from '../io/outputFormat.js';
import { resolveOutputRules, type OutputRuleOptions, type OutputRules } from './outputRules.js';
import type { NodataSetting } from './nodataPlan.js';
import type { MiniBatchKMeansOptions } from '../cluster/miniBatchKMeans.js';
import type { ColorSpace, Palette, ProgressEvent } from '../types.js';

/** Options of quantizeFile(). Every field is optional but `k`; defaults are given per field. */
export interface QuantizeOptions extends OutputRuleOptions {
  /** Palette size: 1-256 for a palette PNG, 1-65536 otherwise. Required unless `palette` is given. */
  k?: number;
  /** The file format written. Default: from the output's extension. */
  format?: OutputFormat;
  /**
   * What the output stores (the CLI's --labels and --rgb): 'palette' (palette PNG or indexed TIFF), 'labels'
   * (a grey image of indices, with the codebook beside it as .json and .npy) or 'rgb' (the
   * quantized colours). Default: from the extension; a palette where the format has one.
   */
  kind?: OutputKind;
  /** TIFF only: square tiles of this many pixels (a multiple of 16) instead of strips. */
  tile?: number;
  /**
   * TIFF only: reduced levels too (each half the size of the one above, down to 256 pixels a
   * side), laid out as a Cloud-Optimized GeoTIFF; tiled (256 unless `tile` says otherwise).
   */
  pyramid?: boolean;
  /** JPEG, WebP and AVIF: quality 1-100. Default 90 (JPEG), 80 (AVIF); WebP is lossless unless given. */
  quality?: number;
  /** Apply this palette instead of fitting one (pass 1 is skipped). */
  palette?: Palette;
  /**
   * Colours the palette holds exactly: k-means fits the other k - n around them (they attract
   * pixels but never move). At most k.
   */
  keepColors?: Palette;
  /**
   * Pixels that hold no data, left out of the fit and the error and written as one reserved entry
   * (the palette's last): 'auto' (default) takes the input's GDAL nodata value and fully
   * transparent pixels; a number 0-255 marks pixels whose every colour channel has it; 'none'.
   */
  nodata?: NodataSetting;
  /** Use the smallest k (up to `k`, or the format's limit) whose PSNR reaches this many dB. */
  targetPsnr?: number;
  /** Seed of every random choice; the same seed gives the same bytes. Default 1. */
  seed?: number;
  /** Pixels kept by the reservoir sampler for fitting. Default 262144 (and at least 8k). */
  sample?: number;
  /**
   * Fit on about this many megapixels of an image that has at least twice as many: whole tiles
   * (tiled TIFFs gigaquant decodes) or units of rows, spread over the image and picked from the
   * seed (see model/fitSample). Pass 1 then reads only those. Default: every pixel.
   */
  fitMpx?: number;
  /** k-means++ initialisations tried. Default 1. */
  nInit?: number;
  /** Mini-batch size. Default 1024. */
  batchSize?: number;
  /** Upper bound on passes over the sample. Default 100. */
  maxIter?: number;
  /**
   * When to stop: k-means over the histogram stops once a step lowers the inertia by less than
   * this fraction of it; mini-batch k-means (translucent RGBA) once the centres move less than
   * this, relative to the data variance (as scikit-learn). 0 disables. Default 2e-4.
   */
  tol?: number;
  /** Steps without improvement before stopping; 0 disables. Default 10. */
  maxNoImprovement?: number;
  /** Fraction of the heaviest centre below which a centre is reseeded. Default 0.01. */
  reassignmentRatio?: number;
  /** Bytes for row bands (which sets the band height). Default 64 MiB. */
  memoryBudget?: number;
  /** Rows per band; overrides memoryBudget. Mostly for tests. */
  bandHeight?: number;
  /** Refuse inputs with more pixels than this; 0 = no limit. Default 10^10. */
  maxPixels?: number;
  /** Where sequential formats are spooled. Default os.tmpdir(). */
  tmpDir?: string;
  /** zlib level 0-9 for PNG and TIFF. Default 6. */
  compressionLevel?: number;
  /** Floyd-Steinberg dithering strength, 0 (off, default) to 1 (full error diffusion). */
  dither?: number;
  /** Where colours are fitted and matched: 'rgb' (default) or 'oklab' (RGB images only). */
  space?: ColorSpace;
  /** TIFF only: BigTIFF always, never, or when the file could pass 4 GiB ('auto', default). */
  bigtiff?: boolean | 'auto';
  /** Gather what a report shows of the image (QuantizeResult.digest) during pass 2. */
  digest?: boolean;
  /** With `digest`: also find the worst regions and read them back at 1:1 (digest.loupe). */
  loupe?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ResolvedOptions {
  k: number;
  palette: Palette | undefined;
  keepColors: Palette | undefined;
  nodata: NodataSetting;
  targetPsnr: number | undefined;
  format: OutputFormat;
  kind: OutputKind;
  tile: number | undefined;
  pyramid: boolean;
  quality: number | undefined;
  seed: number;
  sample: number;
  fitMpx: number | undefined;
  /** Runs at `k`; startsFor(k) unless given (`nInitGiven`), and then at any k fitted. */
  nInit: number;
  nInitGiven: boolean;
  batchSize: number;
  maxIter: number;
  tol: number;
  maxNoImprovement: number;
  reassignmentRatio: number;
  memoryBudget: number;
  bandHeight: number | undefined;
  maxPixels: number;
  tmpDir: string;
  compressionLevel: number;
  dither: number;
  space: ColorSpace;
  bigtiff: boolean | 'auto';
  rules: OutputRules;
  signal: AbortSignal | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
}

/**
 * k-means runs by default: one from Wu's boxes, and more from k-means++ seeds where local optima
 * cost most and runs cost least. Up to k = 32, three: few centres leave more room for a poor
 * optimum (a chart's line and axis were merged at k = 16, 2 dB below full k-means; three runs
 * found them). When the colours to fit times k is small (drawings: a few hundred distinct colours),
 * eight at any k: a run costs milliseconds there, and one left a chart 4 dB below full k-means at
 * k = 256 (measured with bench/margin.js). Photos above k = 32 keep one: more gained hundredths of
 * a dB for twice the time.
 */
export function startsFor(k: number, colours = Infinity): number {
  if (colours * k <= SMALL_FIT) return 8;
  return k <= 32 ? 3 : DEFAULTS.nInit;
}

/** Distinct colours times k below which a k-means run is too cheap to count. */
const SMALL_FIT = 400_000;

export const DEFAULTS = {
  seed: 1,
  sample: 262144,
  nInit: 1,
  batchSize: 1024,
  maxIter: 100,
  tol: 2e-4,
  maxNoImprovement: 10,
  reassignmentRatio: 0.01,
  memoryBudget: 64 * 1024 * 1024,
  maxPixels: 1e10,
  compressionLevel: 6,
} as const;

/**
 * Checks every option once, at the door, and fills in defaults, for output in `format`
 * (`options.kind` says what it stores). Inner code trusts the result. `outputName` is named in
 * messages.
 */
export function resolveOptions(
  format: OutputFormat,
  options: QuantizeOptions,
  outputName = 'the output',
): ResolvedOptions {
  const palette = options.palette;
  const kind = outputKindFor(outputName, format, options.kind, palette ? palette.size : options.k);
  const maxK = maxColors(format, kind);
  const context = `for ${formatName(format)} ${kind} output ${outputName}`;
  if (palette) checkPalette(palette, carriesAlpha(format, kind), maxK, context);
  const targetPsnr =
    options.targetPsnr === undefined ? undefined : number('targetPsnr', options.targetPsnr, 1, 120);
  // With a target, k is the most colours to try: by default all the format can hold.
  const askedK = palette
    ? palette.size
    : (options.k ?? (targetPsnr !== undefined ? maxK : undefined));
  if (askedK === undefined)
    throw usageError('k is required (-k N), unless a target PSNR or a palette is given');
  const k = integer('k', askedK, 1, maxK, context);
  const keepColors = options.keepColors;
  if (keepColors) {
    if (palette)
      throw usageError('keep colours are for fitting a palette; a given palette is not fitted');
    checkPalette(keepColors, carriesAlpha(format, kind), k, `as kept colours with k=${k}`);
  }
  let tile: number | undefined;
  if (options.tile !== undefined) {
    if (format !== 'tiff') throw usageError(`tiles are for TIFF output, not ${outputName}`);
    tile = integer('tile', options.tile, 16, 65536);
    if (tile % 16 !== 0)
      throw usageError(
        `Expected a multiple of 16 for tile (TIFF requires it) but received ${tile}`,
      );
  }
  const pyramid = options.pyramid === true;
  if (pyramid) {
    if (format !== 'tiff') throw usageError(`a pyramid is a TIFF, not ${outputName}`);
    tile ??= 256;
  }
  if (options.quality !== undefined && !isEncodedFormat(format))
    throw usageError(`quality is for JPEG, WebP and AVIF output, not ${outputName}`);
  const quality =
    options.quality === undefined ? undefined : integer('quality', options.quality, 1, 100);
  const bandHeight =
    options.bandHeight === undefined
      ? undefined
      : integer('bandHeight', options.bandHeight, 1, 2 ** 31);
  const bigtiff = options.bigtiff ?? 'auto';
  if (bigtiff !== 'auto' && typeof bigtiff !== 'boolean') {
    throw usageError(`Expected true, false or 'auto' for bigtiff but received ${String(bigtiff)}`);
  }
  const sample = integer('sample', options.sample ?? Math.max(DEFAULTS.sample, 8 * k), k, 2 ** 26);
  return {
    k,
    palette,
    keepColors,
    nodata: nodataSetting(options.nodata),
    targetPsnr,
    format,
    kind,
    tile,
    pyramid,
    quality,
    seed: integer('seed', options.seed ?? DEFAULTS.seed, 0, 2 ** 32 - 1),
    sample,
    fitMpx:
      options.fitMpx === undefined ? undefined : number('fitMpx', options.fitMpx, 1e-6, Infinity),
    nInit: integer('nInit', options.nInit ?? startsFor(k), 1, 100),
    nInitGiven: options.nInit !== undefined,
    batchSize: integer('batchSize', options.batchSize ?? DEFAULTS.batchSize, 1, 2 ** 20),
    maxIter: integer('maxIter', options.maxIter ?? DEFAULTS.maxIter, 1, 1e6),
    tol: number('tol', options.tol ?? DEFAULTS.tol, 0, Infinity),
    maxNoImprovement: integer(
      'maxNoImprovement',
      options.maxNoImprovement ?? DEFAULTS.maxNoImprovement,
      0,
      1e9,
    ),
    reassignmentRatio: number(
      'reassignmentRatio',
      options.reassignmentRatio ?? DEFAULTS.reassignmentRatio,
      0,
      1,
    ),
    memoryBudget: integer(
      'memoryBudget',
      options.memoryBudget ?? DEFAULTS.memoryBudget,
      1024 * 1024,
      2 ** 40,
    ),
    bandHeight,
    maxPixels: number('maxPixels', options.maxPixels ?? DEFAULTS.maxPixels, 0, Infinity),
    tmpDir: options.tmpDir ?? tmpdir(),
    compressionLevel: integer(
      'compressionLevel',
      options.compressionLevel ?? DEFAULTS.compressionLevel,
      0,
      9,
    ),
    dither: number('dither', options.dither ?? 0, 0, 1),
    space: oneOf('space', options.space ?? 'rgb', ['rgb', 'oklab'] as const),
    bigtiff,
    rules: resolveOutputRules(options, k),
    signal: options.signal,
    onProgress: options.onProgress,
  };
}

function nodataSetting(value: unknown): NodataSetting {
  if (value === undefined || value === 'auto' || value === 'none') return value ?? 'auto';
  return integer('nodata', value, 0, 255);
}

/** The k-means settings within the resolved options: with `sample`, all that decides a fit. */
export function kmeansOptions(options: ResolvedOptions): MiniBatchKMeansOptions {
  const { k, nInit, batchSize, maxIter, tol, maxNoImprovement, reassignmentRatio, seed } = options;
  return { k, nInit, batchSize, maxIter, tol, maxNoImprovement, reassignmentRatio, seed };
}
