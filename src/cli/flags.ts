import type { Argv, Options } from 'yargs';
import type { OutputFormat } from '../io/outputFormat.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';

/**
 * Every flag of every command, declared once: a flag means the same in every command that takes
 * it. Commands take whole groups, so that every command that reads an image takes the same
 * reading flags, and every one that writes an image the same output flags.
 */
export const FLAGS = {
  // Reading an image.
  memory: {
    type: 'number',
    describe: 'MiB for row bands, per file; sets the band height (default 64)',
  },
  'band-height': { type: 'number', describe: 'rows per band (overrides --memory)' },
  'max-pixels': { type: 'number', describe: 'refuse larger inputs; 0 = no limit (default 1e10)' },
  'tmp-dir': {
    type: 'string',
    describe:
      'where sequential inputs (PNG, JPEG, WebP, GIF) and encoded outputs are staged (default: OS temp dir)',
  },
  // Fitting a palette.
  k: { type: 'number', describe: 'number of colours' },
  seed: { type: 'number', describe: 'random seed; same seed, same bytes (default 1)' },
  sample: {
    type: 'number',
    describe: 'pixels sampled for fitting translucent images (default max(262144, 8k))',
  },
  'fit-mpx': {
    type: 'number',
    describe:
      'fit on about this many megapixels of a bigger image (whole tiles or runs of rows spread over it, picked by --seed); pass 1 reads only those (default: every pixel)',
  },
  'n-init': {
    type: 'number',
    describe:
      'runs from different starts; the lowest inertia wins (default 3 up to k=32, else 1; 8 for few colours)',
  },
  'batch-size': { type: 'number', describe: 'mini-batch size (default 1024)' },
  'max-iter': { type: 'number', describe: 'most k-means iterations (default 100)' },
  tol: {
    type: 'number',
    describe:
      'stop when a step gains less than this fraction of the inertia (mini-batch: centre shift / variance), 0 = off (default 2e-4)',
  },
  'max-no-improvement': {
    type: 'number',
    describe: 'steps without improvement before stopping (default 10)',
  },
  space: {
    type: 'string',
    choices: ['rgb', 'oklab'],
    describe: 'colour space to fit and match in; the palette is always sRGB (default rgb)',
  },
  'target-psnr': {
    type: 'number',
    describe: 'use the smallest k (up to -k, or the format limit) whose PSNR reaches this many dB',
  },
  palette: {
    type: 'string',
    describe: 'apply this palette (.json or .npy) instead of fitting one',
  },
  'keep-colors': {
    type: 'string',
    describe:
      'colours the palette must hold exactly (#rrggbb list, or a palette file); the other k - n are fitted around them',
  },
  nodata: {
    type: 'string',
    describe:
      'pixels left out of the fit and the error, written as one reserved entry: auto (the GDAL nodata value and transparent pixels), a value 0-255, or none (default auto)',
  },
  // Mapping pixels to the palette.
  dither: {
    type: 'string',
    describe: 'Floyd-Steinberg dithering, strength 0-1; --dither alone is 1 (default off)',
    coerce: (v: string) => (v === '' ? 1 : Number(v)),
  },
  // Writing an image.
  format: {
    type: 'string',
    choices: ['png', 'tiff', 'jpeg', 'webp', 'avif', 'gif', 'npy'],
    describe: 'output file format (default: from the output name; batch: png)',
  },
  rgb: {
    type: 'boolean',
    describe: 'write the quantized colours as plain RGB (the default for .jpg, .webp, .avif, .gif)',
  },
  labels: {
    type: 'boolean',
    describe:
      'write a grey label image (8-bit for k <= 256, else 16-bit) plus its codebook as .codebook.json and .codebook.npy',
  },
  tile: {
    type: 'number',
    describe: 'TIFF output in square tiles of this many pixels, a multiple of 16 (default strips)',
  },
  pyramid: {
    type: 'boolean',
    describe:
      'TIFF with reduced levels down to 256 px, as a Cloud-Optimized GeoTIFF (tiled; viewers and GIS open it at once)',
  },
  quality: {
    type: 'number',
    describe:
      'JPEG/WebP/AVIF quality 1-100 (default 90 JPEG, 80 AVIF; WebP is lossless unless given)',
  },
  'compression-level': { type: 'number', describe: 'zlib level 0-9 (default 6)' },
  bigtiff: {
    type: 'string',
    choices: ['auto', 'always', 'never'],
    describe: 'BigTIFF for TIFF output (default auto)',
  },
  // What is kept of a result.
  'palette-out': {
    type: 'string',
    array: true,
    describe:
      'also write the palette: a file (.json .npy .gpl .act .txt .qml), or a format name for <output>.<format> (qml: the style QGIS opens the TIFF with); repeatable',
  },
  'skip-if-larger': {
    type: 'boolean',
    describe: `write nothing when the output is not smaller than the input (exit 98)`,
  },
  'min-psnr': {
    type: 'number',
    describe: 'write nothing when the PSNR is below this many dB (exit 99)',
  },
  'copy-original': {
    type: 'boolean',
    describe: 'when --skip-if-larger or --min-psnr refuses the output, copy the input to its name',
  },
  // What is printed.
  json: { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' },
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'print nothing but errors' },
} satisfies Record<string, Options>;

export type FlagName = keyof typeof FLAGS;

/** The groups commands take. */
export const READING = ['memory', 'band-height', 'max-pixels', 'tmp-dir'] as const;
export const FITTING = [
  'k',
  'seed',
  'sample',
  'fit-mpx',
  'n-init',
  'batch-size',
  'max-iter',
  'tol',
  'max-no-improvement',
  'space',
  'target-psnr',
  'palette',
  'keep-colors',
  'nodata',
  'dither',
] as const;
export const WRITING = [
  'format',
  'rgb',
  'labels',
  'tile',
  'pyramid',
  'quality',
  'compression-level',
  'bigtiff',
] as const;
export const KEEPING = ['palette-out', 'skip-if-larger', 'min-psnr', 'copy-original'] as const;
export const PRINTING = ['json', 'quiet'] as const;

/** Every flag's parsed value, as yargs gives it; a command sees the ones it declared. */
export interface FlagArgs {
  memory?: number;
  'band-height'?: number;
  'max-pixels'?: number;
  'tmp-dir'?: string;
  k?: number;
  seed?: number;
  sample?: number;
  'fit-mpx'?: number;
  'n-init'?: number;
  'batch-size'?: number;
  'max-iter'?: number;
  tol?: number;
  'max-no-improvement'?: number;
  space?: string;
  'target-psnr'?: number;
  palette?: string;
  'keep-colors'?: string;
  nodata?: string;
  dither?: number;
  format?: string;
  rgb?: boolean;
  labels?: boolean;
  tile?: number;
  pyramid?: boolean;
  quality?: number;
  'compression-level'?: number;
  bigtiff?: string;
  'palette-out'?: string[];
  'skip-if-larger'?: boolean;
  'min-psnr'?: number;
  'copy-original'?: boolean;
  json: boolean;
  quiet: boolean;
}

/**
 * Declares the named flags on a command, with `overrides` where a command says more (a default,
 * narrower choices) without changing the flag's meaning.
 */
export function addFlags<T>(
  yargs: Argv<T>,
  names: readonly FlagName[],
  overrides: Partial<Record<FlagName, Options>> = {},
): Argv<T & FlagArgs> {
  let y = yargs as Argv<unknown>;
  for (const name of names) y = y.option(name, { ...FLAGS[name], ...overrides[name] } as Options);
  const taken = new Set<string>(names);
  if (taken.has('rgb') && taken.has('labels')) y = y.conflicts('rgb', 'labels');
  return y as Argv<T & FlagArgs>;
}

/** --memory is in MiB; the options take bytes. */
function memoryBudgetOf(mebibytes: number | undefined): number | undefined {
  return mebibytes === undefined ? undefined : Math.round(mebibytes * 1024 * 1024);
}

/** The options of the flags given (the palette file is the command's to load). */
export function toQuantizeOptions(args: Partial<FlagArgs>): QuantizeOptions {
  return {
    k: args.k,
    seed: args.seed,
    sample: args.sample,
    fitMpx: args['fit-mpx'],
    nInit: args['n-init'],
    batchSize: args['batch-size'],
    maxIter: args['max-iter'],
    tol: args.tol,
    maxNoImprovement: args['max-no-improvement'],
    memoryBudget: memoryBudgetOf(args.memory),
    bandHeight: args['band-height'],
    maxPixels: args['max-pixels'],
    tmpDir: args['tmp-dir'],
    dither: args.dither,
    space: args.space as QuantizeOptions['space'],
    targetPsnr: args['target-psnr'],
    format: args.format as OutputFormat | undefined,
    kind: args.labels ? 'labels' : args.rgb ? 'rgb' : undefined,
    tile: args.tile,
    pyramid: args.pyramid,
    quality: args.quality,
    compressionLevel: args['compression-level'],
    bigtiff:
      args.bigtiff === undefined || args.bigtiff === 'auto' ? 'auto' : args.bigtiff === 'always',
    nodata: nodataArg(args.nodata),
    paletteOut: args['palette-out'],
    skipIfLarger: args['skip-if-larger'],
    minPsnr: args['min-psnr'],
    copyOriginal: args['copy-original'],
  };
}

/** --nodata: auto, none, or a number (checked with the other options). */
function nodataArg(value: string | undefined): QuantizeOptions['nodata'] {
  if (value === undefined || value === 'auto' || value === 'none') return value;
  // Anything else goes on as it is, for the options check to refuse by name.
  return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : (value as unknown as number);
}
