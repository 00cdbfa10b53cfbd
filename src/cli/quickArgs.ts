import type { Options } from 'yargs';

/**
 * The arguments of one command read without yargs, for the commonest command lines only
 * (`compress in.tif -k 64 -o out.png --json`): loading yargs and its help machinery costs more
 * than quantizing a small image. Anything this reader is not sure yargs reads the same way
 * (an unknown or repeated flag, `--no-x`, `--flag=`, a value that starts with a dash, a number
 * not written plainly, help, `--`) gives undefined, and yargs reads the line as always, with its
 * own messages. test/cli/quickArgs.test.ts holds yargs to every line this reader accepts.
 */
export function quickArgs(
  argv: readonly string[],
  positional: string,
  options: Readonly<Record<string, Options>>,
): Record<string, unknown> | undefined {
  const byName = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    byName.set(`--${name}`, name);
    if (name.length === 1) byName.set(`-${name}`, name);
    if (typeof option.alias === 'string') byName.set(`-${option.alias}`, name);
  }
  const args: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = byName.get(equals < 0 ? token : token.slice(0, equals));
    if (name === undefined || name in args) return undefined;
    const option = options[name] as Options;
    if (option.array) return undefined;
    const inline = equals < 0 ? undefined : token.slice(equals + 1);
    const next = argv[i + 1];
    let value: unknown;
    if (option.type === 'boolean') {
      // yargs takes a following "true"/"false" as the flag's value.
      if (inline !== undefined || next === 'true' || next === 'false') return undefined;
      value = true;
    } else if (option.type === 'number') {
      const text = inline ?? next;
      if (text === undefined || !PLAIN_NUMBER.test(text)) return undefined;
      if (inline === undefined) i++;
      value = Number(text);
    } else if (option.type === 'string') {
      if (inline !== undefined) {
        if (inline === '') return undefined;
        value = inline;
      } else if (next === undefined || next.startsWith('-')) {
        // A negative number would be taken as the value; any other dash word is the next flag.
        if (next !== undefined && /^-[\d.]/.test(next)) return undefined;
        value = '';
      } else {
        value = next;
        i++;
      }
      if (option.choices && !(option.choices as unknown[]).includes(value)) return undefined;
    } else return undefined;
    args[name] = option.coerce ? (option.coerce as (v: unknown) => unknown)(value) : value;
  }
  if (positionals.length !== 1) return undefined;
  args[positional] = positionals[0];
  for (const [name, option] of Object.entries(options)) {
    if (option.conflicts !== undefined) return undefined;
    if (args[name] === undefined && option.demandOption) return undefined;
    if (args[name] === undefined && option.default !== undefined) args[name] = option.default;
  }
  return args;
}

/** Digits, an optional fraction and exponent; no sign, no leading zero, no hex. */
const PLAIN_NUMBER = /^(0|[1-9]\d*)(\.\d+)?(e[+-]?\d+)?$/i;
