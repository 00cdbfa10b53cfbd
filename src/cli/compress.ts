import type { Argv, Options, PositionalOptions } from 'yargs';
import { loadPalette } from '../io/paletteFile.js';
import { keptColorsArg } from './keptColorsArg.js';
import { paletteHex } from '../model/palette.js';
import { WARM_UP_PARTNER_K, warmUpLloydPartner } from '../cluster/kernels/LloydPartner.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import { formatBytes, formatPsnr, formatSeconds } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { ProgressBar } from './ProgressBar.js';
import { removeOwnStaleTemps } from './removeOwnStaleTemps.js';
import { handleCliError } from './cliError.js';
import { ExitCode, usageError } from '../errors.js';
import { parseShardSpec } from '../scheduler/shardSpec.js';
import type { SplitStage } from '../split/runSplitStage.js';
import type { StageOutcome } from '../split/countStage.js';
import { addReportOption, besideWithSuffix, reportOption, reportPath } from './report.js';
import { quickArgs } from './quickArgs.js';
import {
  addFlags,
  FITTING,
  FLAGS,
  KEEPING,
  PRINTING,
  READING,
  toQuantizeOptions,
  WRITING,
  type FlagArgs,
} from './flags.js';

export interface CompressArgs extends FlagArgs {
  input: string;
  output: string;
  report?: string;
  stage?: SplitStage;
  'work-dir'?: string;
  shard?: string;
}

/** compress's own options, beside the flags it shares with the other commands. */
export const COMPRESS_OPTIONS = {
  output: {
    alias: 'o',
    type: 'string',
    describe:
      'output file: .png (palette, k <= 256), .tif/.tiff (indexed, k <= 65536), .jpg/.webp/.avif/.gif (colours) or .npy (labels)',
    demandOption: true,
  },
  stage: {
    type: 'string',
    choices: ['count', 'fit', 'apply', 'stitch'],
    describe:
      'one stage of an image split over tasks (TIFF output): count and apply take --shard, all take --work-dir',
  },
  'work-dir': {
    type: 'string',
    describe: 'with --stage: the folder the stages share (on storage every task sees)',
  },
  shard: {
    type: 'string',
    describe: 'with --stage count|apply: i/n, or auto (Slurm array; auto/N: Kubernetes)',
  },
} satisfies Record<string, Options>;

export const COMPRESS_FLAGS = [...READING, ...FITTING, ...WRITING, ...KEEPING, ...PRINTING];

export const COMPRESS_INPUT = {
  type: 'string',
  describe: 'image to quantize (any format sharp reads)',
  demandOption: true,
} satisfies PositionalOptions;

export function compressCommand(yargs: Argv): Argv<CompressArgs> {
  let command = yargs.positional('input', COMPRESS_INPUT);
  for (const [name, option] of Object.entries(COMPRESS_OPTIONS))
    command = command.option(name, option);
  return addReportOption(
    addFlags(command, COMPRESS_FLAGS),
    '<output>.report.html',
  ) as unknown as Argv<CompressArgs>;
}

/** Every option compress takes, by name, as yargs is told of them. */
export function compressOptionTable(): Record<string, Options> {
  const options: Record<string, Options> = { ...COMPRESS_OPTIONS, report: reportOption('') };
  for (const name of COMPRESS_FLAGS) options[name] = FLAGS[name];
  return options;
}

/**
 * A compress line read without yargs (see quickArgs), or undefined when yargs must read it:
 * the same flags, the same values, the same defaults.
 */
export function quickCompressArgs(argv: readonly string[]): CompressArgs | undefined {
  if (argv[0] !== 'compress') return undefined;
  const args = quickArgs(argv.slice(1), 'input', compressOptionTable());
  // addFlags declares these two in conflict; yargs says so in its own words.
  if (!args || (args.rgb && args.labels)) return undefined;
  return args as unknown as CompressArgs;
}

export async function runCompress(args: CompressArgs): Promise<number> {
  const bar = process.stderr.isTTY && !args.quiet ? new ProgressBar(process.stderr) : undefined;
  const signal = abortOnSignals(() => bar?.clear());
  const report = reportPath(args.report, () => besideWithSuffix(args.output, '.report.html'));
  try {
    // k-means with many centres will want its partner thread: booting it takes a while, done on
    // the other core while sharp and libvips load on this one.
    if ((args.k ?? 0) >= WARM_UP_PARTNER_K && !args.palette) warmUpLloydPartner();
    const options: QuantizeOptions = {
      ...toQuantizeOptions(args),
      palette: args.palette ? await loadPalette(args.palette) : undefined,
      keepColors: await keptColorsArg(args['keep-colors']),
      digest: report !== undefined,
      loupe: report !== undefined,
      signal,
      onProgress: bar ? (e) => bar.update(e) : undefined,
    };
    // Loaded here, not at the top: `gigaquant --help` should not pay for sharp and libvips.
    const { quantizeFile } = await import('../pipeline/quantizeFile.js');
    const { checkReportPath, writeReport } = await import('../report/writeReport.js');
    if (report) checkReportPath(report);
    await removeOwnStaleTemps(args.output, args['tmp-dir']);
    if (args.stage) return await runStage(args, options);
    const result = await quantizeFile(args.input, args.output, options);
    if (report) {
      const { compressReport } = await import('../report/singleReports.js');
      await writeReport(report, await compressReport(result));
    }
    bar?.clear();
    for (const w of result.warnings)
      if (!args.quiet) process.stderr.write(`gigaquant: warning: ${w}\n`);
    if (args.json) process.stdout.write(JSON.stringify(resultToJson(result), null, 2) + '\n');
    else if (!args.quiet) process.stdout.write(summaryLine(result) + '\n');
    if (report && !args.quiet && !args.json) process.stdout.write(`report: ${report}\n`);
    if (!result.rejected) return 0;
    return result.rejected.rule === 'min-psnr' ? ExitCode.belowMinPsnr : ExitCode.notSmaller;
  } catch (err) {
    bar?.clear();
    return handleCliError(err, args.json);
  }
}

/** Flags of compress that a split image does not take (yet): the rules and palette files. */
export const SPLIT_REFUSES = [
  'skip-if-larger',
  'min-psnr',
  'copy-original',
  'palette-out',
] as const;

/** `compress --stage ...`: one stage of an image split over tasks (see split/). */
async function runStage(args: CompressArgs, options: QuantizeOptions): Promise<number> {
  const stage = args.stage as SplitStage;
  if (!args['work-dir']) throw usageError(`--stage ${stage} needs --work-dir`);
  const sharded = stage === 'count' || stage === 'apply';
  if (sharded !== (args.shard !== undefined)) {
    throw usageError(
      sharded
        ? `--stage ${stage} needs --shard i/n (or auto)`
        : `--stage ${stage} takes no --shard`,
    );
  }
  if (args.report) throw usageError('--report is not made by split stages');
  for (const flag of SPLIT_REFUSES)
    if (args[flag] !== undefined) throw usageError(`--${flag} is not taken by split stages`);
  const { runSplitStage } = await import('../split/runSplitStage.js');
  const outcome = await runSplitStage(
    stage,
    args.input,
    args.output,
    args['work-dir'],
    options,
    parseShardSpec(args.shard),
  );
  if ('psnr' in outcome) {
    for (const w of outcome.warnings)
      if (!args.quiet) process.stderr.write(`gigaquant: warning: ${w}\n`);
    if (args.json) process.stdout.write(JSON.stringify(resultToJson(outcome), null, 2) + '\n');
    else if (!args.quiet) process.stdout.write(summaryLine(outcome) + '\n');
    return 0;
  }
  if (args.json) process.stdout.write(JSON.stringify(outcome) + '\n');
  else if (!args.quiet) process.stdout.write(stageLine(outcome) + '\n');
  return 0;
}

function stageLine(o: StageOutcome): string {
  const share = o.share ? ` ${o.share.index}/${o.share.count}` : '';
  const rows = o.rows
    ? o.rows.to > o.rows.from
      ? ` rows ${o.rows.from}-${o.rows.to - 1}`
      : ' (no rows: more shares than chunks)'
    : '';
  const done =
    o.done === 'now' ? 'done' : o.done === 'before' ? 'already done' : 'not needed (--palette)';
  return `${o.stage}${share}${rows}: ${done}${o.file ? `  ${o.file}` : ''}`;
}

export function summaryLine(r: QuantizeResult): string {
  if (r.rejected)
    return `${r.output}: not written: ${r.rejected.reason}${r.rejected.original ? '; the input copied there instead' : ''}`;
  return [
    `${r.output}`,
    `${r.width}x${r.height}${r.pages ? ` (page ${r.page ?? 0} of ${r.pages})` : ''}`,
    `k=${r.k}${r.colors < r.k ? ` (${r.colors} colours)` : ''}`,
    `PSNR ${formatPsnr(r.psnr)}`,
    ...(r.nodata ? [`nodata ${r.nodata.pixels} px (entry ${r.nodata.index})`] : []),
    `${r.bitsPerPixel.toFixed(3)} bits/px`,
    `in ${formatBytes(r.inputBytes)}`,
    `out ${formatBytes(r.outputBytes)}`,
    formatSeconds(r.seconds),
    `peak ${formatBytes(r.peakRssBytes)}`,
  ].join('  ');
}

/** JSON has no Infinity: a lossless result has `psnr: null` and `mse: 0`. Palette as hex strings. */
export function resultToJson(r: QuantizeResult): Record<string, unknown> {
  const { palette, digest: _digest, ...rest } = r;
  void _digest;
  return { ...rest, psnr: Number.isFinite(r.psnr) ? r.psnr : null, palette: paletteHex(palette) };
}
