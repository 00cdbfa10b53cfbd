import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import type { IndexBand, IndexWriter, KeepOutput } from '../../types.js';
import { bandBytes, bytesPerPixel } from '../sampleLayout.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import { headerBytes } from './ifd.js';
import { isBigTiff, tiffChunkRows, tiffDirectory, type TiffImageOptions } from './tiffDirectory.js';

const deflateAsync = promisify(deflate);

export interface TiffWriterOptions extends TiffImageOptions {
  /** zlib level 0-9. */
  compressionLevel: number;
}

/** Strips or tiles being compressed at once on libuv's thread pool while JavaScript goes on. */
const CHUNKS_IN_FLIGHT = 4;
/** Bounds of deflate's output buffers: zlib's least, and a strip's whole rows need not be one. */
const LEAST_CHUNK_BYTES = 64;
const MOST_CHUNK_BYTES = 1024 * 1024;

/** The chunks of a part: their compressed sizes in file order (see TiffWriter.createPart). */
export interface TiffPart {
  byteCounts: number[];
}

/**
 * Streaming TIFF, deflate-compressed, in strips of a fixed number of rows or in square tiles:
 * indexed (PhotometricInterpretation 3 with a ColorMap; indices packed to 1, 2 or 4 bits up to
 * 16 colours, 8-bit up to 256, 16-bit up to 65536), grey labels, or colours (grey or RGB, with
 * unassociated alpha). Rows are
 * gathered until a strip or a row of tiles is full, which is then compressed and appended; the IFD
 * goes at the end and the header is patched to point at it.
 */
export class TiffWriter implements IndexWriter {
  private readonly output: AtomicOutput;
  private readonly file: FileHandle;
  private readonly options: TiffWriterOptions;
  readonly bigtiff: boolean;
  /** A part holds bare chunks: no header, no directory (see createPart). */
  private readonly isPart: boolean;
  /** Gathered rows hold one byte per index; chunks are packed to this many bits when set. */
  private readonly packedBits: 1 | 2 | 4 | undefined;
  private readonly pixelBytes: number;
  private readonly rowBytes: number;
  /** Rows gathered before they are cut into chunks: a strip, or one row of tiles. */
  private readonly rowsPerChunk: number;
  private rows: Buffer;
  private rowsFilled = 0;
  private offset: number;
  private readonly inFlight: { raw: Buffer; compressed: Promise<Buffer> }[] = [];
  /** Tile buffers whose deflate is done, to be filled again (see cutChunks). */
  private readonly freeTiles: Buffer[] = [];
  private readonly chunkOffsets: number[] = [];
  private readonly chunkByteCounts: number[] = [];

  private constructor(
    output: AtomicOutput,
    file: FileHandle,
    options: TiffWriterOptions,
    isPart: boolean,
  ) {
    this.output = output;
    this.file = file;
    this.options = options;
    this.isPart = isPart;
    this.pixelBytes = bytesPerPixel(options.layout);
    this.rowBytes = options.width * this.pixelBytes;
    this.rowsPerChunk = tiffChunkRows(options);
    this.packedBits = options.packedBits;
    this.bigtiff = isBigTiff(options);
    this.offset = isPart ? 0 : headerBytes(this.bigtiff);
    this.rows = Buffer.alloc(this.rowsPerChunk * this.rowBytes);
  }

  static async create(finalPath: string, options: TiffWriterOptions): Promise<TiffWriter> {
    return TiffWriter.open(finalPath, options, false);
  }

  /**
   * A writer of some rows of the image described by `options` (the whole image's size), starting
   * at a chunk boundary: their compressed chunks, exactly as the whole file holds them, with
   * nothing around them, so that parts written on several machines can be joined by copying
   * (stitchTiff). `part()` gives their sizes once closed.
   */
  static async createPart(partPath: string, options: TiffWriterOptions): Promise<TiffWriter> {
    return TiffWriter.open(partPath, options, true);
  }

  private static async open(
    finalPath: string,
    options: TiffWriterOptions,
    isPart: boolean,
  ): Promise<TiffWriter> {
    if (options.tile !== undefined && (options.tile < 16 || options.tile % 16 !== 0)) {
      throw new Error(`TIFF tiles must be a multiple of 16 pixels, not ${options.tile}`);
    }
    const output = atomicOutput(finalPath);
    const file = await open(output.tempPath, 'wx');
    return new TiffWriter(output, file, options, isPart);
  }

  async write(band: IndexBand): Promise<void> {
    await this.writeSamples(bandBytes(band, this.options.layout, true), band.height);
  }

  /** Rows already laid out as the file stores them before packing (e.g. a pyramid's mean colours). */
  async writeSamples(bytes: Uint8Array, rows: number): Promise<void> {
    for (let r = 0; r < rows; r++) {
      this.rows.set(
        bytes.subarray(r * this.rowBytes, (r + 1) * this.rowBytes),
        this.rowsFilled * this.rowBytes,
      );
      if (++this.rowsFilled === this.rowsPerChunk) await this.flushRows();
    }
  }

  async close(keep?: KeepOutput): Promise<boolean> {
    try {
      if (this.rowsFilled > 0) await this.flushRows();
      while (this.inFlight.length > 0) await this.writeNextChunk();
      if (!this.isPart) await this.writeDirectory();
      await this.file.close();
    } catch (err) {
      await this.abort(err as Error);
      throw err;
    }
    return this.output.commit(keep);
  }

  /** The chunks written by a part writer, once closed. */
  part(): TiffPart {
    return { byteCounts: [...this.chunkByteCounts] };
  }

  async abort(_err: Error): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0).map((c) => c.compressed));
    await this.file.close().catch(() => {});
    await this.output.discard();
  }

  private async flushRows(): Promise<void> {
    for (const raw of this.cutChunks()) {
      this.inFlight.push({
        raw,
        // Output buffers the size of the input (up to a bound): with zlib's 16 KiB default, a
        // tile came back in pieces, each a round trip from the thread pool, joined by a copy.
        compressed: deflateAsync(raw, {
          level: this.options.compressionLevel,
          chunkSize: Math.min(MOST_CHUNK_BYTES, Math.max(LEAST_CHUNK_BYTES, raw.length)),
        }),
      });
      while (this.inFlight.length >= CHUNKS_IN_FLIGHT) await this.writeNextChunk();
    }
    // A strip is compressed straight from the gathered rows, which must then stay as they are;
    // tiles are copies, so the rows can be filled again. Reusing buffers spares a fresh
    // allocation, and the kernel's zeroing of its pages, per row of tiles.
    if (this.options.tile === undefined)
      this.rows = Buffer.alloc(this.rowsPerChunk * this.rowBytes);
    this.rowsFilled = 0;
  }

  /**
   * The gathered rows as one strip, or as tiles left to right (edge tiles padded with zeros), cut
   * one at a time as the compressor takes them: all the tiles of a row at once were a second copy
   * of the rows (62 MB at 120591 px wide with 512-px tiles).
   */
  private *cutChunks(): Generator<Buffer> {
    const { tile, width } = this.options;
    const bits = this.packedBits;
    if (tile === undefined) {
      const rows = this.rows.subarray(0, this.rowsFilled * this.rowBytes);
      yield bits ? packRows(rows, width, this.rowsFilled, width, bits) : rows;
      return;
    }
    const tileRowBytes = bits ? Math.ceil((tile * bits) / 8) : tile * this.pixelBytes;
    for (let x = 0; x < width; x += tile) {
      const t = this.freeTiles.pop() ?? Buffer.alloc(tile * tileRowBytes);
      const from = x * this.pixelBytes;
      const columns = Math.min(tile, width - x);
      const length = columns * this.pixelBytes;
      // Edge tiles, and the last row of tiles, are padded with zeros (a reused buffer too).
      if (columns < tile || this.rowsFilled < tile || bits) t.fill(0);
      for (let r = 0; r < this.rowsFilled; r++) {
        const at = r * this.rowBytes + from;
        if (bits) packRow(this.rows, at, columns, bits, t, r * tileRowBytes);
        else this.rows.copy(t, r * tileRowBytes, at, at + length);
      }
      yield t;
    }
  }

  private async writeNextChunk(): Promise<void> {
    const chunk = this.inFlight.shift() as { raw: Buffer; compressed: Promise<Buffer> };
    const data = await chunk.compressed;
    if (this.options.tile !== undefined) this.freeTiles.push(chunk.raw);
    await this.file.write(data, 0, data.length, this.offset);
    this.chunkOffsets.push(this.offset);
    this.chunkByteCounts.push(data.length);
    this.offset += data.length;
  }

  private async writeDirectory(): Promise<void> {
    const { ifd, head } = tiffDirectory(this.options, {
      bigtiff: this.bigtiff,
      rowsPerChunk: this.rowsPerChunk,
      offsets: this.chunkOffsets,
      byteCounts: this.chunkByteCounts,
      end: this.offset,
    });
    await this.file.write(ifd.bytes, 0, ifd.bytes.length, ifd.at);
    await this.file.write(head, 0, head.length, 0);
  }
}

/**
 * Rows of one-byte indices packed to `bits` bits each, most significant first (TIFF's FillOrder
 * 1), every row starting on a byte: what TIFF stores for BitsPerSample 1, 2 and 4.
 */
function packRows(
  rows: Buffer,
  rowStride: number,
  count: number,
  width: number,
  bits: 1 | 2 | 4,
): Buffer {
  const rowBytes = Math.ceil((width * bits) / 8);
  const out = Buffer.alloc(count * rowBytes);
  for (let r = 0; r < count; r++) packRow(rows, r * rowStride, width, bits, out, r * rowBytes);
  return out;
}

/** One row of `width` indices from `src` at `from`, packed into `dst` (zeroed) at `to`. */
function packRow(
  src: Buffer,
  from: number,
  width: number,
  bits: 1 | 2 | 4,
  dst: Buffer,
  to: number,
): void {
  const perByte = 8 / bits;
  for (let x = 0; x < width; x++) {
    const at = to + Math.floor(x / perByte);
    const shift = 8 - bits * ((x % perByte) + 1);
    dst[at] = (dst[at] as number) | ((src[from + x] as number) << shift);
  }
}
