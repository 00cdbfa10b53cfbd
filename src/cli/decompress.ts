import type { Argv } from 'yargs';
import type { DecompressResult } from '../pipeline/decompressFile.js';
import { formatBytes, formatSeconds } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { ProgressBar } from './progressBar.js';
import { handleCliError } from './cliError.js';
import {
  addOutputOptions,
  memoryBudgetOf,
  toOutputOptions,
  type OutputArgs,
} from './quantizerOptions.js';

export interface DecompressArgs extends OutputArgs {
  labels: string;
  codebook?: string;
  output: string;
  rgb?: boolean;
  memory?: number;
  'tmp-dir'?: string;
  json: boolean;
  quiet: boolean;
}

export function decompressCommand(yargs: Argv): Argv<DecompressArgs> {
  return addOutputOptions(yargs)
    .positional('labels', {
      type: 'string',
      describe: 'label image written by --format labels (.png, .tif or .npy)',
      demandOption: true,
    })
    .option('codebook', {
      type: 'string',
      describe: 'codebook .json or .npy (default: <labels>.codebook.json beside the labels)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'image to write: .png/.tif (palette; --rgb for colours) or .jpg/.webp/.avif/.gif',
      demandOption: true,
    })
    .option('rgb', { type: 'boolean', describe: 'write colours, not a palette image' })
    .option('memory', { type: 'number', describe: 'MiB for row bands (default 64)' })
    .option('tmp-dir', { type: 'string', describe: 'where PNG labels and JPEG/WebP are staged' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
    }) as unknown as Argv<DecompressArgs>;
}

export async function runDecompress(args: DecompressArgs): Promise<number> {
  const bar = process.stderr.isTTY && !args.quiet ? new ProgressBar(process.stderr) : undefined;
  const signal = abortOnSignals(() => bar?.clear());
  try {
    const { decompressFile } = await import('../pipeline/decompressFile.js');
    const result = await decompressFile(args.labels, args.output, {
      codebook: args.codebook,
      kind: args.rgb ? 'rgb' : undefined,
      ...toOutputOptions(args),
      memoryBudget: memoryBudgetOf(args.memory),
      tmpDir: args['tmp-dir'],
      signal,
      onProgress: bar ? (e) => bar.update(e) : undefined,
    });
    bar?.clear();
    for (const w of result.warnings)
      if (!args.quiet) process.stderr.write(`gigaquant: warning: ${w}\n`);
    if (args.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else if (!args.quiet) process.stdout.write(summaryLine(result) + '\n');
    return 0;
  } catch (err) {
    bar?.clear();
    return handleCliError(err, args.json);
  }
}

function summaryLine(r: DecompressResult): string {
  return [
    r.output,
    `${r.width}x${r.height}`,
    `${r.colors} colours`,
    r.kind,
    `out ${formatBytes(r.outputBytes)}`,
    formatSeconds(r.seconds),
    `peak ${formatBytes(r.peakRssBytes)}`,
  ].join('  ');
}
