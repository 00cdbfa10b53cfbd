import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, type Deflate } from 'node:zlib';
import type { IndexBand, IndexWriter, Palette } from '../../types.js';
import { paletteRgba } from '../../cluster/palette.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import {
  bitDepthFor,
  chunk,
  iend,
  ihdr,
  packScanlines,
  plte,
  PNG_SIGNATURE,
  trns,
} from './chunks.js';

export interface PngWriterOptions {
  width: number;
  height: number;
  palette: Palette;
  /** zlib level 0-9. */
  compressionLevel: number;
}

/** IDAT payload size; fixed so that the bytes never depend on how zlib happened to flush. */
const IDAT_BYTES = 1 << 20;

/**
 * Streaming indexed PNG: header chunks first, then scanlines through one zlib stream cut into
 * fixed-size IDAT chunks, then IEND. Memory stays at one band plus zlib's window.
 */
export class PngIndexWriter implements IndexWriter {
  private readonly output: AtomicOutput;
  private readonly deflate: Deflate;
  private readonly file: WriteStream;
  private readonly done: Promise<void>;
  private readonly bitDepth: number;
  private readonly width: number;
  private failure: Error | undefined;

  private constructor(finalPath: string, options: PngWriterOptions) {
    this.width = options.width;
    this.bitDepth = bitDepthFor(options.palette.size);
    this.output = atomicOutput(finalPath);
    this.file = createWriteStream(this.output.tempPath, { flags: 'wx' });
    const { rgb, alpha } = paletteRgba(options.palette);
    const head = [
      Buffer.from(PNG_SIGNATURE),
      ihdr(options.width, options.height, this.bitDepth),
      plte(rgb),
    ];
    const transparency = trns(alpha);
    if (transparency) head.push(transparency);
    this.file.write(Buffer.concat(head));
    this.deflate = createDeflate({ level: options.compressionLevel, memLevel: 9 });
    this.done = pipeline(this.deflate, new IdatChunker(IDAT_BYTES), this.file);
    this.done.catch((err: Error) => {
      this.failure ??= err;
    });
  }

  static async create(finalPath: string, options: PngWriterOptions): Promise<PngIndexWriter> {
    const writer = new PngIndexWriter(finalPath, options);
    await once(writer.file, 'open');
    return writer;
  }

  async write(band: IndexBand): Promise<void> {
    if (this.failure) throw this.failure;
    const rows = packScanlines(band.indices, this.width, band.height, this.bitDepth);
    if (!this.deflate.write(rows)) {
      await Promise.race([once(this.deflate, 'drain'), this.done]);
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.deflate.end();
    await this.done;
    await this.output.commit();
  }

  async abort(err: Error): Promise<void> {
    this.deflate.destroy(err);
    await this.done.catch(() => {});
    this.file.destroy();
    await this.output.discard();
  }
}

/** Re-cuts the zlib stream into IDAT chunks of exactly `size` bytes (the last may be shorter), then IEND. */
class IdatChunker extends Transform {
  private buffer: Buffer;
  private filled = 0;

  constructor(private readonly size: number) {
    super();
    this.buffer = Buffer.alloc(size);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < data.length) {
      const n = Math.min(this.size - this.filled, data.length - offset);
      data.copy(this.buffer, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        this.push(chunk('IDAT', this.buffer));
        this.filled = 0;
      }
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.filled > 0) this.push(chunk('IDAT', this.buffer.subarray(0, this.filled)));
    this.push(iend());
    callback();
  }
}
