import type { Share } from '../types.js';
import { appendFile, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicOutput } from '../io/tempFiles.js';
import type { OutputFigures } from '../pipeline/outputFigures.js';
import type { Rejection } from '../pipeline/outputRules.js';

export const MANIFEST_NAME = 'gigaquant-manifest.jsonl';
const SHARD_PART = /^gigaquant-manifest\.shard-(\d+)-of-(\d+)\.jsonl$/;

/**
 * done: written now; skipped: done before with the same options; rejected: a rule
 * (--skip-if-larger, --min-psnr) refused the output; failed: an error.
 */
export type FileStatus = 'done' | 'failed' | 'skipped' | 'rejected';

/** What the manifest says of one input after one run. The latest line for an input wins. */
export interface ManifestRecord {
  /** Input path relative to the batch's base folder, with forward slashes. */
  input: string;
  /** Output path relative to the output folder. */
  output: string;
  status: FileStatus;
  size: number;
  mtimeMs: number;
  /** SHA-256 of the input's bytes; absent when the file could not be read. */
  sha256?: string;
  /** Key of the options that change the output; a different key means the file is redone. */
  optionsKey: string;
  error?: { code: string; message: string };
  /** With status rejected: the rule, why, and whether the input was copied to the output's name. */
  rejected?: Rejection;
  /** false when a bad input was not tried again because it has not changed since it failed. */
  retried?: boolean;
  figures?: OutputFigures;
  finishedAt: string;
  runId: string;
}

export type Shard = Share;

export function manifestPartName(shard: Shard | undefined): string {
  return shard ? `gigaquant-manifest.shard-${shard.index}-of-${shard.count}.jsonl` : MANIFEST_NAME;
}

/**
 * Reads manifest lines, keeping the latest record per input. A line cut short by a crash (the
 * last one, without its newline) is ignored: appends are whole lines or nothing useful.
 */
export function parseManifest(
  text: string,
  into = new Map<string, ManifestRecord>(),
): Map<string, ManifestRecord> {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: ManifestRecord;
    try {
      record = JSON.parse(line) as ManifestRecord;
    } catch {
      continue;
    }
    if (typeof record.input !== 'string' || typeof record.finishedAt !== 'string') continue;
    const previous = into.get(record.input);
    if (!previous || previous.finishedAt <= record.finishedAt) into.set(record.input, record);
  }
  return into;
}

/** Every manifest in `outDir`: the main one and every shard's part, merged. */
export async function loadManifests(outDir: string): Promise<Map<string, ManifestRecord>> {
  const records = new Map<string, ManifestRecord>();
  for (const name of await manifestFiles(outDir)) {
    parseManifest(await readFile(join(outDir, name), 'utf8'), records);
  }
  return records;
}

async function manifestFiles(outDir: string): Promise<string[]> {
  const names = await readdir(outDir).catch(() => [] as string[]);
  return names.filter((n) => n === MANIFEST_NAME || SHARD_PART.test(n)).sort();
}

/**
 * Rewrites the main manifest with one line per input (latest wins), atomically, and removes the
 * shard parts it took in. Run under the main lock only, never while shards are writing.
 */
export async function compactManifests(outDir: string): Promise<number> {
  const names = await manifestFiles(outDir);
  if (names.length === 0) return 0;
  const records = await loadManifests(outDir);
  const lines = [...records.values()]
    .sort((a, b) => (a.input < b.input ? -1 : 1))
    .map((r) => JSON.stringify(r) + '\n');
  const out = atomicOutput(join(outDir, MANIFEST_NAME));
  try {
    await writeFile(out.tempPath, lines.join(''));
    await out.commit();
  } catch (err) {
    await out.discard();
    throw err;
  }
  for (const name of names) if (name !== MANIFEST_NAME) await unlink(join(outDir, name));
  return records.size;
}

/** Appends records as whole lines, one write each, so a crash leaves at most one partial line. */
export class ManifestWriter {
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  append(record: ManifestRecord): Promise<void> {
    this.queue = this.queue.then(() => appendFile(this.path, JSON.stringify(record) + '\n'));
    return this.queue;
  }

  flush(): Promise<void> {
    return this.queue;
  }
}
