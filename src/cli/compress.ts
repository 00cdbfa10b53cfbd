import type { Argv } from 'yargs';
import { GigaquantError } from '../errors.js';
import type { QuantizeOptions } from '../options.js';
import { quantizeFile, type QuantizeResult } from '../pipeline/quantizeFile.js';
import { formatBytes, formatPsnr, formatSeconds } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { ProgressBar } from './progressBar.js';

export interface CompressArgs {
  input: string;
  output: string;
  k: number;
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
  'compression-level'?: number;
  bigtiff: string;
  json: boolean;
  quiet: boolean;
}

export function compressCommand(yargs: Argv): Argv<CompressArgs> {
  return yargs
    .positional('input', {
      type: 'string',
      describe: 'image to quantize (any format sharp reads)',
      demandOption: true,
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'output file: .png (k <= 256) or .tif/.tiff (k <= 65536)',
      demandOption: true,
    })
    .option('k', { type: 'number', describe: 'number of colours', demandOption: true })
    .option('seed', { type: 'number', describe: 'random seed; same seed, same bytes (default 1)' })
    .option('sample', {
      type: 'number',
      describe: 'pixels sampled for fitting (default max(262144, 8k))',
    })
    .option('n-init', { type: 'number', describe: 'k-means++ initialisations (default 3)' })
    .option('batch-size', { type: 'number', describe: 'mini-batch size (default 1024)' })
    .option('max-iter', { type: 'number', describe: 'max passes over the sample (default 100)' })
    .option('tol', { type: 'number', describe: 'centre-shift tolerance, 0 = off (default 0)' })
    .option('max-no-improvement', {
      type: 'number',
      describe: 'steps without improvement before stopping (default 10)',
    })
    .option('memory', {
      type: 'number',
      describe: 'MiB for row bands; sets the band height (default 64)',
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
    .option('compression-level', { type: 'number', describe: 'zlib level 0-9 (default 6)' })
    .option('bigtiff', {
      type: 'string',
      choices: ['auto', 'always', 'never'],
      default: 'auto',
      describe: 'BigTIFF for .tif output',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'print the result as JSON on stdout',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'print nothing but errors',
    }) as unknown as Argv<CompressArgs>;
}

export async function runCompress(args: CompressArgs): Promise<number> {
  const bar = process.stderr.isTTY && !args.quiet ? new ProgressBar(process.stderr) : undefined;
  const signal = abortOnSignals(() => bar?.clear());
  const options: QuantizeOptions = {
    k: args.k,
    seed: args.seed,
    sample: args.sample,
    nInit: args['n-init'],
    batchSize: args['batch-size'],
    maxIter: args['max-iter'],
    tol: args.tol,
    maxNoImprovement: args['max-no-improvement'],
    memoryBudget: args.memory === undefined ? undefined : Math.round(args.memory * 1024 * 1024),
    bandHeight: args['band-height'],
    maxPixels: args['max-pixels'],
    tmpDir: args['tmp-dir'],
    compressionLevel: args['compression-level'],
    bigtiff: args.bigtiff === 'auto' ? 'auto' : args.bigtiff === 'always',
    signal,
    onProgress: bar ? (e) => bar.update(e) : undefined,
  };
  try {
    const result = await quantizeFile(args.input, args.output, options);
    bar?.clear();
    for (const w of result.warnings)
      if (!args.quiet) process.stderr.write(`gigaquant: warning: ${w}\n`);
    if (args.json) process.stdout.write(JSON.stringify(resultToJson(result), null, 2) + '\n');
    else if (!args.quiet) process.stdout.write(summaryLine(result) + '\n');
    return 0;
  } catch (err) {
    bar?.clear();
    if (!(err instanceof GigaquantError)) throw err;
    if (args.json)
      process.stdout.write(
        JSON.stringify({ error: { code: err.code, message: err.message, file: err.file } }) + '\n',
      );
    process.stderr.write(`gigaquant: error: ${err.message}\n`);
    return err.exitCode;
  }
}

export function summaryLine(r: QuantizeResult): string {
  return [
    `${r.output}`,
    `${r.width}x${r.height}`,
    `k=${r.k}${r.colors < r.k ? ` (${r.colors} colours)` : ''}`,
    `PSNR ${formatPsnr(r.psnr)}`,
    `${r.bitsPerPixel.toFixed(3)} bits/px`,
    `in ${formatBytes(r.inputBytes)}`,
    `out ${formatBytes(r.outputBytes)}`,
    formatSeconds(r.seconds),
    `peak ${formatBytes(r.peakRssBytes)}`,
  ].join('  ');
}

/** JSON has no Infinity: a lossless result has `psnr: null` and `mse: 0`. Palette as hex strings. */
export function resultToJson(r: QuantizeResult): Record<string, unknown> {
  const { palette, ...rest } = r;
  const hex: string[] = [];
  for (let i = 0; i < palette.size; i++) {
    const bytes = palette.colors.subarray(i * palette.channels, (i + 1) * palette.channels);
    hex.push('#' + Buffer.from(bytes).toString('hex'));
  }
  return { ...rest, psnr: Number.isFinite(r.psnr) ? r.psnr : null, palette: hex };
}
