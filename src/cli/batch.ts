import { keptColorsArg } from './keptColorsArg.js';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { parseShardSpec } from '../scheduler/shardSpec.js';
import type { OutputFormat } from '../io/outputFormat.js';
import { GigaquantError, usageError } from '../errors.js';
import { jsonReporter, plainReporter, terminalReporter, type Reporter } from './batchReporters.js';
import { abortOnSignals } from './interrupts.js';
import { addReportOption, reportPath } from './report.js';
import {
  addFlags,
  FITTING,
  KEEPING,
  PRINTING,
  READING,
  toQuantizeOptions,
  WRITING,
  type FlagArgs,
} from './flags.js';

export interface BatchArgs extends FlagArgs {
  globs: string[];
  /** From a job file: the same as the globs on the command line. */
  inputs?: string[];
  'out-dir'?: string;
  concurrency?: number;
  name?: string;
  ignore?: string[];
  'shared-palette': boolean;
  'palette-only': boolean;
  shard?: string;
  force: boolean;
  'fail-fast': boolean;
  report?: string;
}

export function batchCommand(yargs: Argv): Argv<BatchArgs> {
  return addReportOption(
    addFlags(
      yargs
        .positional('globs', {
          type: 'string',
          array: true,
          describe: 'input files or glob patterns ("scans/**/*.tif")',
        })
        .option('inputs', {
          type: 'string',
          array: true,
          hidden: true,
          describe: 'job file: the globs',
        })
        .option('comment', { type: 'string', hidden: true, describe: 'job file: a note, ignored' })
        .option('out-dir', {
          type: 'string',
          describe: 'output folder; input folders are mirrored under it',
        })
        .option('concurrency', {
          alias: 'j',
          type: 'number',
          describe: 'files at a time (default: from cores and memory)',
        })
        .option('name', {
          type: 'string',
          describe:
            'output name template: {name} {srcext} {ext} {k} {seed} {format} (default "{name}.{ext}")',
        })
        .option('ignore', { type: 'string', array: true, describe: 'glob patterns to leave out' })
        .option('shared-palette', {
          type: 'boolean',
          default: false,
          describe: 'fit one palette over all inputs and use it for each',
        })
        .option('palette-only', {
          type: 'boolean',
          default: false,
          describe: 'with --shared-palette: fit and save the palette, process no file',
        })
        .option('shard', {
          type: 'string',
          describe:
            'i/n: do only the i-th of n shares of the inputs (0-based; shared by pixel count); auto: from a Slurm array task (auto/N: a Kubernetes Indexed Job of N)',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe: 'redo files already done with the same options',
        })
        .option('fail-fast', {
          type: 'boolean',
          default: false,
          describe: 'stop starting files after the first failure',
        })
        .config(
          'config',
          'a JSON job file with the same options (flags override it; "inputs": [globs])',
        ),
      [...READING, ...FITTING, ...WRITING, ...KEEPING, ...PRINTING],
      {
        format: { default: 'png' },
        json: { describe: 'print events as JSON lines on stdout' },
        quiet: { describe: 'print nothing but failures' },
      },
    ),
    '<out-dir>/report.html',
  ) as unknown as Argv<BatchArgs>;
}

export async function runBatchCommand(args: BatchArgs): Promise<number> {
  const tty = process.stderr.isTTY === true && !args.quiet && !args.json;
  let reporter: Reporter;
  if (args.json) reporter = jsonReporter(process.stdout);
  else if (tty) reporter = terminalReporter(process.stderr);
  else reporter = plainReporter(process.stdout, process.stderr, args.quiet);
  const signal = abortOnSignals(() =>
    process.stderr.write((tty ? '\r\x1b[2K' : '') + 'interrupting: starting no new files\n'),
  );
  try {
    const globs = args.globs && args.globs.length > 0 ? args.globs : (args.inputs ?? []);
    if (!args['out-dir'])
      throw usageError('--out-dir is required (on the command line or in the job file)');
    if (args.k === undefined && !args.palette && args['target-psnr'] === undefined) {
      throw usageError('-k is required unless --target-psnr or --palette is given');
    }
    const { runBatch } = await import('../batch/runBatch.js');
    const result = await runBatch(
      {
        inputs: globs,
        ignore: args.ignore,
        outDir: args['out-dir'],
        format: (args.format ?? 'png') as OutputFormat,
        name: args.name,
        concurrency: args.concurrency,
        quantize: {
          ...toQuantizeOptions(args),
          keepColors: await keptColorsArg(args['keep-colors']),
        },
        sharedPalette: args['shared-palette'],
        paletteOnly: args['palette-only'],
        paletteFile: args.palette,
        shard: parseShardSpec(args.shard),
        force: args.force,
        failFast: args['fail-fast'],
        report: reportPath(args.report, () => join(args['out-dir'] as string, 'report.html')),
        signal,
      },
      reporter,
    );
    return result.exitCode;
  } catch (err) {
    if (!(err instanceof GigaquantError)) throw err;
    if (args.json)
      process.stdout.write(
        JSON.stringify({
          type: 'error',
          error: { code: err.code, message: err.message, file: err.file },
        }) + '\n',
      );
    process.stderr.write(`gigaquant: error: ${err.message}\n`);
    return err.exitCode;
  }
}
