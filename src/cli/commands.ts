import yargs from 'yargs';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import { batchCommand, runBatchCommand, type BatchArgs } from './batch.js';
import { compressCommand, runCompress, type CompressArgs } from './compress.js';
import { decompressCommand, runDecompress, type DecompressArgs } from './decompress.js';
import { runMerge } from './merge.js';
import {
  runSlurmBatch,
  runSlurmCompress,
  slurmBatchCommand,
  slurmCompressCommand,
  type SlurmArgs,
} from './slurm.js';
import { reportCommand, runReport, type ReportArgs } from './report.js';
import { runSweep, sweepCommand, type SweepArgs } from './sweep.js';

/**
 * yargs renders the whole help text each time a command starts, in case the command fails and
 * the help is wanted: a noticeable share of a small image's run. Our commands report their
 * own failures and never print the help then, so the rendering is switched off (help asked for
 * with --help, or after a usage error, is rendered as usual).
 */
function skipHelpPrerender(cli: unknown): void {
  const usage = (
    cli as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } };
    }
  )
    .getInternalMethods?.()
    ?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * `--` ends the options, as in every Unix tool: what follows is file names, even `-dash.png`.
 * yargs would keep them from the command's positional arguments, so they are handed over as
 * paths that cannot be mistaken for options (`./-dash.png` is the same file).
 */
function namesAfterDoubleDash(argv: string[]): string[] {
  const at = argv.indexOf('--');
  if (at < 0) return argv;
  const names = argv.slice(at + 1).map((a) => (a.startsWith('-') ? `./${a}` : a));
  return [...argv.slice(0, at), ...names];
}

/** The words after `slurm <command>`: what the jobs run that command with. */
function wordsAfter(argv: readonly string[], command: string): string[] {
  const slurm = argv.indexOf('slurm');
  return argv.slice(argv.indexOf(command, slurm) + 1);
}

/** Runs the command line `argv` (the words after `gigaquant`); gives the exit code. */
export async function runCommandLine(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const args0 = namesAfterDoubleDash(argv);
  const cli = yargs(args0);
  skipHelpPrerender(cli);
  await cli
    .scriptName('gigaquant')
    .version(VERSION)
    .command<CompressArgs>(
      'compress <input>',
      'quantize one image to k colours: palette PNG, indexed TIFF, labels + codebook, or RGB',
      (y) => compressCommand(y),
      async (args) => {
        exitCode = await runCompress(args);
      },
    )
    .command<DecompressArgs>(
      'decompress <input>',
      'turn a label image and its codebook back into an image (PNG, TIFF, JPEG, WebP)',
      (y) => decompressCommand(y),
      async (args) => {
        exitCode = await runDecompress(args);
      },
    )
    .command<BatchArgs>(
      'batch [globs..]',
      'quantize every file the globs match into --out-dir, resumably, N at a time',
      (y) => batchCommand(y),
      async (args) => {
        exitCode = await runBatchCommand(args);
      },
    )
    .command<SweepArgs>(
      'sweep <input>',
      'the k curve of one image: PSNR, bits/pixel and bytes for each k, and the knee',
      (y) => sweepCommand(y),
      async (args) => {
        exitCode = await runSweep(args);
      },
    )
    .command<ReportArgs>(
      'report <target>',
      "an HTML report of a batch's output folder: table, thumbnails, palettes, 3D colours, failures",
      (y) => reportCommand(y),
      async (args) => {
        exitCode = await runReport(args);
      },
    )
    .command(
      'slurm',
      'submit a batch, or one image split over tasks, to a Slurm cluster as job arrays',
      (y) =>
        y
          .command<BatchArgs & SlurmArgs>(
            'batch [globs..]',
            'a batch as an array of --tasks tasks (shares by pixels), then a merge job',
            (b) => slurmBatchCommand(b),
            async (args) => {
              exitCode = await runSlurmBatch(args, wordsAfter(args0, 'batch'));
            },
          )
          .command<CompressArgs & SlurmArgs>(
            'compress <input>',
            'one image (TIFF output) as count array -> fit -> apply array -> stitch',
            (c) => slurmCompressCommand(c),
            async (args) => {
              exitCode = await runSlurmCompress(args, wordsAfter(args0, 'compress'));
            },
          )
          .demandCommand(1, 'name what to submit: gigaquant slurm batch ... or slurm compress ...'),
    )
    .command<{ 'out-dir': string }>(
      'merge <out-dir>',
      "fold the shards' manifest parts in <out-dir> into its main manifest",
      (y) => y.positional('out-dir', { type: 'string', demandOption: true }) as never,
      async (args) => {
        exitCode = await runMerge(args['out-dir']);
      },
    )
    .demandCommand(1, 'name a command: gigaquant compress <input> -k 64 -o out.png')
    .strict()
    .fail((message, err) => {
      if (err) throw err;
      process.stderr.write(`gigaquant: error: ${message}\nRun 'gigaquant --help' for usage.\n`);
      process.exit(ExitCode.usage);
    })
    .help()
    .parseAsync();
  return exitCode;
}
