import { basename, extname, join } from 'node:path';
import type { Argv, Options } from 'yargs';
import { handleCliError } from './cliError.js';

export interface ReportArgs {
  target: string;
  output?: string;
}

/** `--report [file]` for compress, batch and sweep: '' when given without a file name. */
export function reportOption(where: string) {
  return {
    type: 'string',
    describe: `write an HTML report at the end (default ${where})`,
  } satisfies Options;
}

export function addReportOption<T>(yargs: Argv<T>, where: string): Argv<T & { report?: string }> {
  return yargs.option('report', reportOption(where)) as Argv<T & { report?: string }>;
}

/** The report's file: the one named, or `fallback` when --report came without a name. */
export function reportPath(asked: string | undefined, fallback: () => string): string | undefined {
  if (asked === undefined) return undefined;
  return asked === '' ? fallback() : asked;
}

/** `out.png` -> `out.report.html`, beside it. */
export function besideWithSuffix(path: string, suffix: string): string {
  return path.slice(0, path.length - extname(path).length) + suffix;
}

/** `photo.jpg` -> `photo.k-curve.html` in the current folder. */
export function inCurrentFolder(path: string, suffix: string): string {
  return join(process.cwd(), basename(path, extname(path)) + suffix);
}

export function reportCommand(yargs: Argv): Argv<ReportArgs> {
  return yargs
    .positional('target', {
      type: 'string',
      describe: "a batch's output folder, or its gigaquant-manifest.jsonl",
      demandOption: true,
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'the HTML file to write (default <out-dir>/report.html)',
    }) as unknown as Argv<ReportArgs>;
}

export async function runReport(args: ReportArgs): Promise<number> {
  try {
    const { collectBatchReport } = await import('../batch/batchReport.js');
    const { writeReport } = await import('../report/writeReport.js');
    const model = await collectBatchReport(args.target);
    const target = args.target.endsWith('.jsonl') ? join(args.target, '..') : args.target;
    const output = args.output ?? join(target, 'report.html');
    await writeReport(output, model);
    process.stdout.write(
      `report: ${output} (${model.images.length} images, ${model.failed.length} failed)\n`,
    );
    return 0;
  } catch (err) {
    return handleCliError(err);
  }
}
