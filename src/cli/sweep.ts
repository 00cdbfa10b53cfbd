import type { Argv } from 'yargs';
import type { SweepResult } from '../pipeline/sweepFile.js';
import { formatBytes, formatPsnr } from './format.js';
import { abortOnSignals } from './interrupts.js';
import { addReportOption, inCurrentFolder, reportPath } from './report.js';
import { keptColorsArg } from './keptColorsArg.js';
import { addFlags, FITTING, READING, toQuantizeOptions, WRITING, type FlagArgs } from './flags.js';
import { handleCliError } from './cliError.js';
import { removeOwnStaleTemps } from './removeOwnStaleTemps.js';

export interface SweepArgs extends Omit<FlagArgs, 'k'> {
  input: string;
  k: string;
  report?: string;
}

export function sweepCommand(yargs: Argv): Argv<SweepArgs> {
  return addReportOption(
    addFlags(
      yargs.positional('input', { type: 'string', describe: 'image to sweep', demandOption: true }),
      [...READING, ...FITTING.filter((f) => f !== 'k' && f !== 'palette'), ...WRITING, 'json'],
      {
        format: {
          choices: ['png', 'tiff'],
          describe: 'format whose bytes are counted (default png; tiff above 256)',
        },
        json: { describe: 'print the table as JSON' },
      },
    ),
    '<input name>.k-curve.html here',
  ).option('k', {
    type: 'string',
    default: '2..256',
    describe: 'k values: a..b (every k up to 16 apart, else a geometric grid) or a list 4,16,64',
  }) as unknown as Argv<SweepArgs>;
}

export async function runSweep(args: SweepArgs): Promise<number> {
  const signal = abortOnSignals();
  try {
    const { sweepFile, parseKs } = await import('../pipeline/sweepFile.js');
    const ks = parseKs(args.k);
    const { k: _k, ...options } = toQuantizeOptions({ ...args, k: undefined });
    void _k;
    const report = reportPath(args.report, () => inCurrentFolder(args.input, '.k-curve.html'));
    const { checkReportPath, writeReport } = await import('../report/writeReport.js');
    if (report) checkReportPath(report);
    await removeOwnStaleTemps(undefined, args['tmp-dir']);
    const result = await sweepFile(args.input, ks, {
      ...options,
      keepColors: await keptColorsArg(args['keep-colors']),
      digest: report !== undefined,
      loupe: report !== undefined,
      signal,
    });
    if (report) {
      const { sweepReport } = await import('../report/singleReports.js');
      await writeReport(report, await sweepReport(result));
    }
    const rows = result.rows.map(({ digest: _digest, ...row }) => row);
    process.stdout.write(
      args.json ? JSON.stringify({ ...result, rows }, null, 1) + '\n' : sweepTable(result),
    );
    if (report && !args.json) process.stdout.write(`report: ${report}\n`);
    return 0;
  } catch (err) {
    return handleCliError(err);
  }
}

export function sweepTable(r: SweepResult): string {
  const lines = [
    `${r.input}  ${r.width}x${r.height}  ${r.format} output`,
    '|    k | colours |  PSNR dB | bits/px |      bytes |',
    '|------|---------|----------|---------|------------|',
  ];
  for (const row of r.rows) {
    const mark = row.k === r.knee ? '  <- knee' : '';
    lines.push(
      `| ${String(row.k).padStart(4)} | ${String(row.colors).padStart(7)} | ${formatPsnr(row.psnr).replace(' dB', '').padStart(8)} | ${row.bitsPerPixel.toFixed(3).padStart(7)} | ${formatBytes(row.outputBytes).padStart(10)} |${mark}`,
    );
  }
  lines.push(`knee: k=${r.knee} (beyond it, each doubling of k buys less PSNR)`);
  return lines.join('\n') + '\n';
}
