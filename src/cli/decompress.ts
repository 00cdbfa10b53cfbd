import type { Argv } from 'yargs';
import type { DecompressResult } from '../pipeline/decompressFile.js';
import { formatBytes, formatSeconds } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { ProgressBar } from './ProgressBar.js';
import { removeOwnStaleTemps } from './removeOwnStaleTemps.js';
import { handleCliError } from './cliError.js';
import { addFlags, PRINTING, READING, toQuantizeOptions, WRITING, type FlagArgs } from './flags.js';

export interface DecompressArgs extends FlagArgs {
  input: string;
  codebook?: string;
  output: string;
}

export function decompressCommand(yargs: Argv): Argv<DecompressArgs> {
  const command = yargs
    .positional('input', {
      type: 'string',
      describe: 'label image written by compress --labels (.png, .tif or .npy)',
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
    });
  return addFlags(command, [
    ...READING,
    ...WRITING.filter((f) => f !== 'labels'),
    ...PRINTING,
  ]) as unknown as Argv<DecompressArgs>;
}

export async function runDecompress(args: DecompressArgs): Promise<number> {
  const bar = process.stderr.isTTY && !args.quiet ? new ProgressBar(process.stderr) : undefined;
  const signal = abortOnSignals(() => bar?.clear());
  try {
    const { decompressFile } = await import('../pipeline/decompressFile.js');
    const o = toQuantizeOptions(args);
    await removeOwnStaleTemps(args.output, args['tmp-dir']);
    const result = await decompressFile(args.input, args.output, {
      codebook: args.codebook,
      format: o.format,
      kind: o.kind,
      tile: o.tile,
      quality: o.quality,
      compressionLevel: o.compressionLevel,
      bigtiff: o.bigtiff,
      memoryBudget: o.memoryBudget,
      bandHeight: o.bandHeight,
      maxPixels: o.maxPixels,
      tmpDir: o.tmpDir,
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
