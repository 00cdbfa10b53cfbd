import { basename, dirname, extname, join } from 'node:path';
import { usageError } from '../errors.js';

export const DEFAULT_NAME_TEMPLATE = '{name}.{ext}';
const PLACEHOLDERS = new Set(['name', 'srcext', 'ext', 'k', 'seed', 'format']);

export interface NameValues {
  k: number;
  seed: number;
  format: string;
  /** Output extension without the dot: png, tif. */
  ext: string;
}

/** Checks a name template once: known placeholders only, no folder separators. */
export function checkNameTemplate(template: string): void {
  for (const m of template.matchAll(/\{([^}]*)\}/g)) {
    if (!PLACEHOLDERS.has(m[1] as string)) {
      throw usageError(
        `--name: unknown placeholder {${m[1]}}; use ${[...PLACEHOLDERS].map((p) => `{${p}}`).join(' ')}`,
      );
    }
  }
  if (template.includes('/') || template.includes('\\'))
    throw usageError('--name: a file name only, no folders');
  if (!template.includes('{name}'))
    throw usageError('--name: must contain {name}, or every input gets the same name');
}

/**
 * Where the output of `relInput` goes: its folder mirrored under `outDir`, its name from the
 * template. `{name}` is the input's name without extension, `{srcext}` the input's extension.
 */
export function outputPathFor(
  outDir: string,
  relInput: string,
  template: string,
  values: NameValues,
): string {
  const ext = extname(relInput);
  const name = basename(relInput, ext);
  const fileName = template.replace(/\{(\w+)\}/g, (_, key: string) => {
    switch (key) {
      case 'name':
        return name;
      case 'srcext':
        return ext.slice(1);
      default:
        return String(values[key as keyof NameValues]);
    }
  });
  return join(outDir, dirname(relInput), fileName);
}

/** Refuses plans where two inputs would write the same output (a.png and a.jpg with {name}.png). */
export function checkNoCollisions(pairs: readonly { input: string; output: string }[]): void {
  const seen = new Map<string, string>();
  for (const { input, output } of pairs) {
    const other = seen.get(output);
    if (other !== undefined) {
      throw usageError(
        `${other} and ${input} would both be written to ${output}; add {srcext} to --name, e.g. "{name}.{srcext}.{ext}"`,
      );
    }
    seen.set(output, input);
  }
}
