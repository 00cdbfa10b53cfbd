import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import { compressCommand, runCompress, type CompressArgs } from './compress.js';

async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  await yargs(argv)
    .scriptName('gigaquant')
    .version(VERSION)
    .command<CompressArgs>(
      'compress <input>',
      'quantize one image to k colours: palette PNG or indexed TIFF',
      (y) => compressCommand(y),
      async (args) => {
        exitCode = await runCompress(args);
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

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `gigaquant: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = ExitCode.internal;
  },
);
