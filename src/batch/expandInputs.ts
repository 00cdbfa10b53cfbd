import fg from 'fast-glob';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { usageError } from '../errors.js';

export interface ExpandedInputs {
  /** Absolute paths of the matching files, sorted so every run and every shard sees one order. */
  files: string[];
  /** The folder the output tree mirrors: the common folder of the patterns' fixed parts. */
  base: string;
}

/**
 * Expands glob patterns (fast-glob syntax) into a sorted list of files, skipping `ignore`
 * patterns and anything under `exclude` (the output folder, so that a rerun never takes its own
 * outputs as inputs). A pattern that names an existing file is that file, whatever characters
 * its name holds (`[a].png`, `back\slash.png`); one that names a folder is every file under it.
 */
export async function expandInputs(
  patterns: readonly string[],
  options: { ignore?: readonly string[]; exclude?: string; cwd?: string } = {},
): Promise<ExpandedInputs> {
  if (patterns.length === 0)
    throw usageError('no input patterns: give one or more globs, e.g. "scans/**/*.tif"');
  const cwd = resolve(options.cwd ?? process.cwd());
  const literal = await Promise.all(patterns.map((p) => literalPattern(cwd, p)));
  const globs = literal.map((l, i) => l?.glob ?? (patterns[i] as string));
  const found = await fg(globs, {
    cwd,
    ignore: [...(options.ignore ?? [])],
    onlyFiles: true,
    // Relative results: fast-glob turns every backslash of an absolute result into a slash,
    // which on POSIX is another file.
    absolute: false,
    dot: false,
    unique: true,
    followSymbolicLinks: true,
  });
  const exclude = options.exclude ? resolve(cwd, options.exclude) + sep : undefined;
  const files = [...new Set(found.map((f) => resolve(cwd, f)))]
    .filter((f) => !exclude || !f.startsWith(exclude))
    .sort(compareCodeUnits);
  const bases = patterns.map(
    (p, i) => literal[i]?.base ?? resolve(cwd, fg.generateTasks([p], { cwd })[0]?.base ?? '.'),
  );
  return { files, base: commonFolder(bases.length > 0 ? bases : [cwd]) };
}

/**
 * A pattern that names an existing file or folder: a glob that matches it and only it, and the
 * folder the output tree mirrors from (the file's folder, or the folder itself).
 */
async function literalPattern(
  cwd: string,
  pattern: string,
): Promise<{ glob: string; base: string } | undefined> {
  const path = resolve(cwd, pattern);
  const st = await stat(path).catch(() => undefined);
  if (!st) return undefined;
  const escaped = fg.escapePath(pattern);
  return st.isDirectory()
    ? { glob: `${escaped.replace(/\/+$/, '')}/**/*`, base: path }
    : { glob: escaped, base: dirname(path) };
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
