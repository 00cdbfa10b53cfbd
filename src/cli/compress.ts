import type { Argv } from 'yargs';
import { loadPalette } from '../io/paletteFile.js';
import { paletteHex } from '../model/palette.js';
import { WARM_UP_PARTNER_K, warmUpLloydPartner } from '../cluster/kernels/LloydPartner.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import { formatBytes, formatPsnr, formatSeconds } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { ProgressBar } from './ProgressBar.js';
import { removeOwnStaleTemps } from './removeOwnStaleTemps.js';
import { handleCliError } from './cliError.js';
import { addReportOption, besideWithSuffix, reportPath } from './report.js';
import {
  addFlags,
  FITTING,
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
}

export function compressCommand(yargs: Argv): Argv<CompressArgs> {
  const command = yargs
    .positional('input', {
      type: 'string',
      describe: 'image to quantize (any format sharp reads)',
      demandOption: true,
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe:
        'output file: .png (palette, k <= 256), .tif/.tiff (indexed, k <= 65536), .jpg/.webp/.avif/.gif (colours) or .npy (labels)',
      demandOption: true,
    });
  return addReportOption(
    addFlags(command, [...READING, ...FITTING, ...WRITING, ...PRINTING]),
    '<output>.report.html',
  ) as unknown as Argv<CompressArgs>;
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
      digest: report !== undefined,
      signal,
      onProgress: bar ? (e) => bar.update(e) : undefined,
    };
    // Loaded here, not at the top: `gigaquant --help` should not pay for sharp and libvips.
    const { quantizeFile } = await import('../pipeline/quantizeFile.js');
    const { checkReportPath, writeReport } = await import('../report/writeReport.js');
    if (report) checkReportPath(report);
    await removeOwnStaleTemps(args.output, args['tmp-dir']);
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
    return 0;
  } catch (err) {
    bar?.clear();
    return handleCliError(err, args.json);
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
  const { palette, digest: _digest, ...rest } = r;
  void _digest;
  return { ...rest, psnr: Number.isFinite(r.psnr) ? r.psnr : null, palette: paletteHex(palette) };
}
