import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IndexBand, IndexWriter, KeepOutput } from '../../types.js';
import { bandBytes, bytesPerPixel } from '../sampleLayout.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import { DeflateQueue } from './DeflateQueue.js';
import { headerBytes } from './ifd.js';
import { packRow, packRows } from './packIndices.js';
import { isBigTiff, tiffChunkRows, tiffDirectory, type TiffImageOptions } from './tiffDirectory.js';

export interface TiffWriterOptions extends TiffImageOptions {
  /** zlib level 0-9. */
  compressionLevel: number;
}

/**
 * Bytes of strips or tiles queued for deflating while JavaScript goes on (at least
 * LEAST_QUEUED chunks): a region of 512-px tiles is 21 of them, and with 4 the main thread
 * waited for a region's deflates before it could map the next.
 */
const QUEUED_BYTES = 8 * 1024 * 1024;
const LEAST_QUEUED = 4;

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
  /** Made at the first `write`: a writer given regions gathers no rows. */
  private rows: Buffer | undefined;
  private rowsFilled = 0;
  /** The chunk the next gathered rows start: chunks from rows come in file order. */
  private nextChunk = 0;
  private offset: number;
  private readonly deflates: DeflateQueue;
  /** Tile buffers whose deflate is done, to be filled again (see cutTiles). */
  private readonly freeTiles: Buffer[] = [];
  /** By chunk index (tiles row-major), whatever order they were written in. */
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
    this.deflates = new DeflateQueue(options.compressionLevel);
  }

  /** The side of the tiles, when the file is tiled: `writeRegion` then takes regions of them. */
  get regionTile(): number | undefined {
    return this.isPart ? undefined : this.options.tile;
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

  /**
   * Whole tiles, in any order (each tile once): a region whose left and top edges are on tile
   * edges, whose right and bottom edges are on tile edges or the image's. Its tiles are cut and
   * compressed as they come, so no row of tiles across the image is gathered. Not with `write`.
   */
  async writeRegion(band: IndexBand & { left: number }): Promise<void> {
    const tile = this.options.tile as number;
    const bytes = bandBytes(band, this.options.layout, true);
    const regionRowBytes = band.width * this.pixelBytes;
    const tilesAcross = Math.ceil(this.options.width / tile);
    for (let r = 0; r < band.height; r += tile) {
      const rows = Math.min(tile, band.height - r);
      const first = ((band.y + r) / tile) * tilesAcross + band.left / tile;
      const at = r * regionRowBytes;
      await this.compressChunks(
        this.cutTiles(bytes.subarray(at), regionRowBytes, band.width, rows),
        first,
      );
    }
  }

  /** Rows already laid out as the file stores them before packing (e.g. a pyramid's mean colours). */
  async writeSamples(bytes: Uint8Array, rows: number): Promise<void> {
    this.rows ??= Buffer.alloc(this.rowsPerChunk * this.rowBytes);
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
      while (this.deflates.length > 0) await this.writeNextChunk();
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
    await this.deflates.drop();
    await this.file.close().catch(() => {});
    await this.output.discard();
  }

  private async flushRows(): Promise<void> {
    const rows = this.rows as Buffer;
    const chunks =
      this.options.tile === undefined
        ? this.strip(rows)
        : this.cutTiles(rows, this.rowBytes, this.options.width, this.rowsFilled);
    this.nextChunk = await this.compressChunks(chunks, this.nextChunk);
    // A strip is compressed straight from the gathered rows, which must then stay as they are;
    // tiles are copies, so the rows can be filled again. Reusing buffers spares a fresh
    // allocation, and the kernel's zeroing of its pages, per row of tiles.
    if (this.options.tile === undefined)
      this.rows = Buffer.alloc(this.rowsPerChunk * this.rowBytes);
    this.rowsFilled = 0;
  }

  /** Compresses `chunks`, numbered from `first`, and writes them as they are done; the next number. */
  private async compressChunks(chunks: Iterable<Buffer>, first: number): Promise<number> {
    let chunk = first;
    for (const raw of chunks) {
      this.deflates.push(raw, chunk++);
      // What is deflated is written at once, so that the file grows as the work goes on.
      while (this.deflates.nextReady) await this.writeNextChunk();
      const most = Math.max(LEAST_QUEUED, Math.floor(QUEUED_BYTES / raw.length));
      while (this.deflates.length >= most) await this.writeNextChunk();
    }
    return chunk;
  }

  /** The gathered rows as one strip, packed where indices take fewer than 8 bits. */
  private *strip(rows: Buffer): Generator<Buffer> {
    const { width } = this.options;
    const bits = this.packedBits;
    const strip = rows.subarray(0, this.rowsFilled * this.rowBytes);
    yield bits ? packRows(strip, width, this.rowsFilled, width, bits) : strip;
  }

  /**
   * `rows` rows of `width` pixels (at most a tile's rows, `rowBytes` apart in `bytes`) as tiles
   * left to right (edge tiles padded with zeros), cut one at a time as the compressor takes them:
   * all the tiles of a row at once were a second copy of the rows (62 MB at 120591 px wide with
   * 512-px tiles).
   */
  private *cutTiles(
    bytes: Uint8Array,
    rowBytes: number,
    width: number,
    rows: number,
  ): Generator<Buffer> {
    const tile = this.options.tile as number;
    const bits = this.packedBits;
    const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tileRowBytes = bits ? Math.ceil((tile * bits) / 8) : tile * this.pixelBytes;
    for (let x = 0; x < width; x += tile) {
      const t = this.freeTiles.pop() ?? Buffer.alloc(tile * tileRowBytes);
      const from = x * this.pixelBytes;
      const columns = Math.min(tile, width - x);
      const length = columns * this.pixelBytes;
      // Edge tiles, and the last row of tiles, are padded with zeros (a reused buffer too).
      if (columns < tile || rows < tile || bits) t.fill(0);
      for (let r = 0; r < rows; r++) {
        const at = r * rowBytes + from;
        if (bits) packRow(source, at, columns, bits, t, r * tileRowBytes);
        else source.copy(t, r * tileRowBytes, at, at + length);
      }
      yield t;
    }
  }

  private async writeNextChunk(): Promise<void> {
    const { raw, chunk, data } = await this.deflates.next();
    if (this.options.tile !== undefined) this.freeTiles.push(raw);
    // At once: an asynchronous write waits on the thread pool behind the deflates queued there.
    writeFully(this.file.fd, data, this.offset);
    this.chunkOffsets[chunk] = this.offset;
    this.chunkByteCounts[chunk] = data.length;
    this.offset += data.length;
  }

  private async writeDirectory(): Promise<void> {
    const { width, height, tile } = this.options;
    const chunks = Math.ceil(height / this.rowsPerChunk) * (tile ? Math.ceil(width / tile) : 1);
    for (let i = 0; i < chunks; i++)
      if (this.chunkOffsets[i] === undefined) throw new Error(`TIFF chunk ${i} was never written`);
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

/** All of `data` at `position`: a write may take fewer bytes than it is given. */
function writeFully(fd: number, data: Buffer, position: number): void {
  for (let done = 0; done < data.length;) {
    const n = writeSync(fd, data, done, data.length - done, position + done);
    if (n === 0) throw new Error('the output file took no more bytes');
    done += n;
  }
}
