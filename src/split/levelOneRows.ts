import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, createInflateRaw, type DeflateRaw } from 'node:zlib';
import { bandBytes } from '../io/sampleLayout.js';
import { RowPairReducer, type Row } from '../io/tiff/ReducedLevels.js';
import type { TiffWriterOptions } from '../io/tiff/TiffWriter.js';
import type { IndexBand, IndexWriter, KeepOutput } from '../types.js';

/** Bytes of one level-1 row: an index (1 or 2 bytes) or the colour samples of each pixel. */
export function levelOneRowBytes(full: TiffWriterOptions, levelOneWidth: number): number {
  const { layout } = full;
  if (layout.kind !== 'index') return levelOneWidth * layout.channels;
  return levelOneWidth * (layout.bits > 8 ? 2 : 1);
}

/**
 * A split image's part of a pyramid: `part` gets the rows as ever, and the rows of level 1 (each
 * from a pair of this part's rows: a part starts on a tile row, so pairs never straddle two parts)
 * go to `path` as one raw-deflate stream, which the stitch reads to build every reduced level.
 * Indices of 16 bits are stored little-endian.
 */
export async function withLevelOneRows(
  part: IndexWriter,
  full: TiffWriterOptions,
  levelOneWidth: number,
  path: string,
): Promise<IndexWriter & { levelOneRows(): number }> {
  const deflate = createDeflateRaw();
  const written = pipeline(deflate, createWriteStream(path, { flags: 'wx' }));
  written.catch(() => {});
  let rows = 0;
  const { layout } = full;
  const reducer = new RowPairReducer(
    full.width,
    levelOneWidth,
    layout.kind === 'index' ? { kind: 'index' } : { kind: 'color', channels: layout.channels },
    async (row) => {
      rows++;
      await writeRow(deflate, row);
    },
  );
  const finish = async () => {
    deflate.end();
    await written;
  };
  return {
    async write(band: IndexBand) {
      await part.write(band);
      if (layout.kind === 'index') {
        for (let r = 0; r < band.height; r++)
          await reducer.push(band.indices.subarray(r * band.width, (r + 1) * band.width));
        return;
      }
      const bytes = bandBytes(band, layout, true);
      const rowBytes = band.width * layout.channels;
      for (let r = 0; r < band.height; r++)
        await reducer.push(bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
    },
    async close(keep?: KeepOutput) {
      await reducer.flush();
      await finish();
      return part.close(keep);
    },
    async abort(err: Error) {
      deflate.destroy();
      await written.catch(() => {});
      await unlink(path).catch(() => {});
      await part.abort(err);
    },
    levelOneRows: () => rows,
  };
}

async function writeRow(deflate: DeflateRaw, row: Row): Promise<void> {
  let bytes: Uint8Array;
  if (row instanceof Uint16Array) {
    const le = Buffer.alloc(row.length * 2);
    for (let i = 0; i < row.length; i++) le.writeUInt16LE(row[i] as number, i * 2);
    bytes = le;
  } else bytes = row;
  if (!deflate.write(bytes)) await once(deflate, 'drain');
}

/**
 * The level-1 rows of a part as written by withLevelOneRows, one at a time (the row handed out is
 * reused: done with when `onRow` resolves). Returns how many there were.
 */
export async function readLevelOneRows(
  path: string,
  rowBytes: number,
  wide: boolean,
  onRow: (row: Row) => Promise<void>,
): Promise<number> {
  const buffer = new ArrayBuffer(rowBytes);
  const bytes = new Uint8Array(buffer);
  const row: Row = wide ? new Uint16Array(rowBytes / 2) : bytes;
  let filled = 0;
  let rows = 0;
  const inflate = createInflateRaw();
  const reading = pipeline(createReadStream(path), inflate);
  reading.catch(() => {});
  for await (const chunk of inflate as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(rowBytes - filled, chunk.length - at);
      bytes.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === rowBytes) {
        if (wide) {
          const view = new DataView(buffer);
          for (let i = 0; i < row.length; i++) row[i] = view.getUint16(i * 2, true);
        }
        await onRow(row);
        rows++;
        filled = 0;
      }
    }
  }
  await reading;
  if (filled !== 0) throw new Error(`${path}: ends inside a row`);
  return rows;
}
