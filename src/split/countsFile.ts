import { open, type FileHandle } from 'node:fs/promises';
import type { PixelCounts } from '../pipeline/fitReport.js';
import { atomicOutput } from '../io/tempFiles.js';

const MAGIC = 'gigaquant-counts 1\n';
/** Entries written or read at a time: the file is streamed, never held whole. */
const CHUNK_ENTRIES = 1 << 16;

/** What a counts file says of itself, beside its entries. */
export interface CountsHeader {
  /** The key of the input and the channels counted (see stageKeys). */
  key: string;
  rows: { from: number; to: number };
  channels: number;
  count: number;
  translucent: boolean;
  /** Pixels of these rows left out as nodata. */
  nodataPixels?: number;
  /** Pixels of these rows counted, when a sample was (`--fit-mpx`). */
  sampledPixels?: number;
}

/**
 * Writes a part's colour counts: a header line of JSON, then the colours (`channels` bytes each),
 * then their counts as little-endian doubles.
 */
export async function writeCounts(
  path: string,
  counts: PixelCounts,
  header: Omit<
    CountsHeader,
    'channels' | 'count' | 'translucent' | 'nodataPixels' | 'sampledPixels'
  >,
): Promise<void> {
  const channels = counts.count === 0 ? 0 : counts.colors.length / counts.count;
  const head: CountsHeader = {
    ...header,
    channels,
    count: counts.count,
    translucent: counts.translucent,
    nodataPixels: counts.nodataPixels,
    sampledPixels: counts.sampledPixels,
  };
  const output = atomicOutput(path);
  const file = await open(output.tempPath, 'wx');
  try {
    let at = 0;
    const write = async (bytes: Uint8Array) => {
      await file.write(bytes, 0, bytes.length, at);
      at += bytes.length;
    };
    await write(Buffer.from(MAGIC + JSON.stringify(head) + '\n'));
    await write(counts.colors.subarray(0, counts.count * channels));
    const weights = Buffer.alloc(CHUNK_ENTRIES * 8);
    for (let i = 0; i < counts.count; i += CHUNK_ENTRIES) {
      const n = Math.min(CHUNK_ENTRIES, counts.count - i);
      for (let j = 0; j < n; j++) weights.writeDoubleLE(counts.weights[i + j] as number, j * 8);
      await write(weights.subarray(0, n * 8));
    }
    await file.close();
    await output.commit();
  } catch (err) {
    await file.close().catch(() => {});
    await output.discard();
    throw err;
  }
}

/** A counts file's header, or undefined when the file is missing or not a complete counts file. */
export async function readCountsHeader(path: string): Promise<CountsHeader | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return undefined;
  try {
    const parsed = await parseHeader(file);
    return parsed?.header;
  } finally {
    await file.close();
  }
}

/** Streams a counts file's entries to `add`, a chunk at a time. */
export async function readCounts(
  path: string,
  add: (chunk: PixelCounts) => void,
): Promise<CountsHeader> {
  const file = await open(path, 'r');
  try {
    const parsed = await parseHeader(file);
    if (!parsed) throw new Error(`${path}: not a complete counts file`);
    const { header, dataAt } = parsed;
    const { channels, count } = header;
    const weightsAt = dataAt + count * channels;
    const colors = Buffer.alloc(CHUNK_ENTRIES * Math.max(1, channels));
    const weightBytes = Buffer.alloc(CHUNK_ENTRIES * 8);
    for (let i = 0; i < count; i += CHUNK_ENTRIES) {
      const n = Math.min(CHUNK_ENTRIES, count - i);
      await file.read(colors, 0, n * channels, dataAt + i * channels);
      await file.read(weightBytes, 0, n * 8, weightsAt + i * 8);
      const weights = new Float64Array(n);
      for (let j = 0; j < n; j++) weights[j] = weightBytes.readDoubleLE(j * 8);
      add({
        colors: new Uint8Array(colors.subarray(0, n * channels)),
        weights,
        count: n,
        translucent: header.translucent,
        // Counted once per file, with its first entries.
        nodataPixels: i === 0 ? header.nodataPixels : 0,
        sampledPixels: i === 0 ? header.sampledPixels : undefined,
      });
    }
    if (count === 0)
      add({
        colors: new Uint8Array(0),
        weights: new Float64Array(0),
        count: 0,
        translucent: header.translucent,
        nodataPixels: header.nodataPixels,
        sampledPixels: header.sampledPixels,
      });
    return header;
  } finally {
    await file.close();
  }
}

/** The header and where the entries start; undefined unless the size matches the header. */
async function parseHeader(
  file: FileHandle,
): Promise<{ header: CountsHeader; dataAt: number } | undefined> {
  const head = Buffer.alloc(4096);
  const { bytesRead } = await file.read(head, 0, head.length, 0);
  const text = head.subarray(0, bytesRead).toString('latin1');
  if (!text.startsWith(MAGIC)) return undefined;
  const end = text.indexOf('\n', MAGIC.length);
  if (end < 0) return undefined;
  let header: CountsHeader;
  try {
    header = JSON.parse(text.slice(MAGIC.length, end)) as CountsHeader;
  } catch {
    return undefined;
  }
  const dataAt = end + 1;
  const { size } = await file.stat();
  if (size !== dataAt + header.count * (header.channels + 8)) return undefined;
  return { header, dataAt };
}
