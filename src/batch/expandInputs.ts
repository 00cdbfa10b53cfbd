import fg from 'fast-glob';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { usageError } from '../errors.js';

export interface ExpandedInputs {
  /** Absolute paths of the matching files, sorted so every run and every shard sees one order. */
  files: string[];
  /** The folder the output tree mirrors: the common folder of the patterns' fixed parts. */
  base: string;
}

/**
 * Expands glob patterns (fast-glob syntax; a plain file path works too) into a sorted list of
 * files, skipping `ignore` patterns and anything under `exclude` (the output folder, so that a
 * rerun never takes its own outputs as inputs).
 */
export async function expandInputs(
  patterns: readonly string[],
  options: { ignore?: readonly string[]; exclude?: string; cwd?: string } = {},
): Promise<ExpandedInputs> {
  if (patterns.length === 0)
    throw usageError('no input patterns: give one or more globs, e.g. "scans/**/*.tif"');
  const cwd = resolve(options.cwd ?? process.cwd());
  const found = await fg([...patterns], {
    cwd,
    ignore: [...(options.ignore ?? [])],
    onlyFiles: true,
    absolute: true,
    dot: false,
    unique: true,
    followSymbolicLinks: true,
  });
  const exclude = options.exclude ? resolve(cwd, options.exclude) + sep : undefined;
  const files = [...new Set(found.map((f) => resolve(f)))]
    .filter((f) => !exclude || !f.startsWith(exclude))
    .sort(compareCodeUnits);
  const bases = fg.generateTasks([...patterns], { cwd }).map((t) => resolve(cwd, t.base));
  return { files, base: commonFolder(bases.length > 0 ? bases : [cwd]) };
}

/** Locale-independent order, so two machines sort the same list the same way. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function commonFolder(folders: string[]): string {
  let common = (folders[0] as string).split(sep);
  for (const f of folders.slice(1)) {
    const parts = f.split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/** `file` relative to `base`, with forward slashes, as manifests record it. */
export function relativeInput(base: string, file: string): string {
  const rel = relative(base, file);
  if (isAbsolute(rel) || rel.startsWith('..')) return file.split(sep).join('/');
  return rel.split(sep).join('/');
}
