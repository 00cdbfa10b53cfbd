import type { Argv } from 'yargs';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';

/** The quantizer's flags, shared by `compress` and `batch`. */
export interface QuantizerArgs extends OutputArgs {
  k?: number;
  seed?: number;
  sample?: number;
  'n-init'?: number;
  'batch-size'?: number;
  'max-iter'?: number;
  tol?: number;
  'max-no-improvement'?: number;
  memory?: number;
  'band-height'?: number;
  'max-pixels'?: number;
  'tmp-dir'?: string;
  dither?: number;
  space?: string;
  'target-psnr'?: number;
  rgb?: boolean;
  labels?: boolean;
}

export function addQuantizerOptions<T>(yargs: Argv<T>): Argv<T & QuantizerArgs> {
  return addOutputOptions(yargs)
    .option('k', { type: 'number', describe: 'number of colours' })
    .option('seed', { type: 'number', describe: 'random seed; same seed, same bytes (default 1)' })
    .option('sample', {
      type: 'number',
      describe: 'pixels sampled for fitting (default max(262144, 8k))',
    })
    .option('n-init', {
      type: 'number',
      describe: 'k-means++ initialisations; the lowest inertia wins (default 1)',
    })
    .option('batch-size', { type: 'number', describe: 'mini-batch size (default 1024)' })
    .option('max-iter', { type: 'number', describe: 'max passes over the sample (default 100)' })
    .option('tol', {
      type: 'number',
      describe:
        'stop when a step gains less than this fraction of the inertia (mini-batch: centre shift / variance), 0 = off (default 2e-4)',
    })
    .option('max-no-improvement', {
      type: 'number',
      describe: 'steps without improvement before stopping (default 10)',
    })
    .option('memory', {
      type: 'number',
      describe: 'MiB for row bands, per file; sets the band height (default 64)',
    })
    .option('band-height', { type: 'number', describe: 'rows per band (overrides --memory)' })
    .option('max-pixels', {
      type: 'number',
      describe: 'refuse larger inputs; 0 = no limit (default 1e10)',
    })
    .option('tmp-dir', {
      type: 'string',
      describe: 'where PNG/JPEG/WebP/GIF inputs are spooled (default: OS temp dir)',
    })
    .option('dither', {
      type: 'string',
      describe: 'Floyd-Steinberg dithering, strength 0-1; --dither alone is 1 (default off)',
      coerce: (v: string) => (v === '' ? 1 : Number(v)),
    })
    .option('target-psnr', {
      type: 'number',
      describe:
        'use the smallest k (up to -k, or the format limit) whose PSNR reaches this many dB',
    })
    .option('space', {
      type: 'string',
      choices: ['rgb', 'oklab'],
      describe: 'colour space to fit and match in; the palette is always sRGB (default rgb)',
    })
    .option('rgb', {
      type: 'boolean',
      describe:
        'write the quantized colours as plain RGB (the default for .jpg, .webp, .avif, .gif)',
    })
    .option('labels', {
      type: 'boolean',
      describe:
        'write a grey label image (8-bit for k <= 256, else 16-bit) plus its codebook as .codebook.json and .codebook.npy',
    })
    .conflicts('rgb', 'labels') as Argv<T & QuantizerArgs>;
}

/** How output files are encoded: shared by every command that writes images. */
export interface OutputArgs {
  tile?: number;
  quality?: number;
  'compression-level'?: number;
  bigtiff?: string;
}

export function addOutputOptions<T>(yargs: Argv<T>): Argv<T & OutputArgs> {
  return yargs
    .option('tile', {
      type: 'number',
      describe:
        'TIFF output in square tiles of this many pixels, a multiple of 16 (default strips)',
    })
    .option('quality', {
      type: 'number',
      describe:
        'JPEG/WebP/AVIF quality 1-100 (default 90 JPEG, 80 AVIF; WebP is lossless unless given)',
    })
    .option('compression-level', { type: 'number', describe: 'zlib level 0-9 (default 6)' })
    .option('bigtiff', {
      type: 'string',
      choices: ['auto', 'always', 'never'],
      describe: 'BigTIFF for TIFF output (default auto)',
    }) as Argv<T & OutputArgs>;
}

export function toOutputOptions(
  args: OutputArgs,
): Pick<QuantizeOptions, 'tile' | 'quality' | 'compressionLevel' | 'bigtiff'> {
  return {
    tile: args.tile,
    quality: args.quality,
    compressionLevel: args['compression-level'],
    bigtiff:
      args.bigtiff === undefined || args.bigtiff === 'auto' ? 'auto' : args.bigtiff === 'always',
  };
}

/** --memory is in MiB; the options take bytes. */
export function memoryBudgetOf(mebibytes: number | undefined): number | undefined {
  return mebibytes === undefined ? undefined : Math.round(mebibytes * 1024 * 1024);
}

export function toQuantizeOptions(args: QuantizerArgs): QuantizeOptions {
  return {
    k: args.k,
    seed: args.seed,
    sample: args.sample,
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
    kind: args.labels ? 'labels' : args.rgb ? 'rgb' : undefined,
    ...toOutputOptions(args),
  };
}
