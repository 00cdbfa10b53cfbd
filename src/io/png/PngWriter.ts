import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, type Deflate } from 'node:zlib';
import type { IndexBand, IndexWriter, KeepOutput, Palette } from '../../types.js';
import { paletteRgba } from '../../model/palette.js';
import type { ImageMetadata } from '../imageMetadata.js';
import { bandBytes, bytesPerPixel, type PixelLayout } from '../sampleLayout.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import {
  bitDepthFor,
  chunk,
  iccp,
  iend,
  ihdr,
  packScanlines,
  phys,
  plte,
  PNG_SIGNATURE,
  scanlines,
  trns,
  type PngColorType,
} from './chunks.js';

export interface PngWriterOptions {
  width: number;
  height: number;
  /** Indices (with `palette`: a palette PNG; without: a grey label image) or colours. */
  layout: PixelLayout;
  /** Written as PLTE (and tRNS) when the layout stores indices. */
  palette?: Palette;
  /** zlib level 0-9. */
  compressionLevel: number;
  metadata?: ImageMetadata;
}

/** Colour type by channels when colours are stored: grey, grey + alpha, RGB, RGBA. */
const COLOR_TYPE_OF_CHANNELS: Record<number, PngColorType> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const METRES_PER_INCH = 0.0254;

/** IDAT payload size; fixed so that the bytes never depend on how zlib happened to flush. */
const IDAT_BYTES = 1 << 20;

/**
 * Streaming PNG (indexed, grey labels of 8 or 16 bits, or colours): header chunks first, then scanlines through one zlib stream cut into
 * fixed-size IDAT chunks, then IEND. Memory stays at one band plus zlib's window.
 */
export class PngWriter implements IndexWriter {
  private readonly output: AtomicOutput;
  private readonly deflate: Deflate;
  private readonly file: WriteStream;
  private readonly done: Promise<void>;
  private readonly toScanlines: (band: IndexBand, into?: Buffer) => Buffer;
  /**
   * Scanlines are packed into these in turn. A new buffer a band left each one to the next full
   * collection: at 100000 px wide, 25 MB a band and four of them at once.
   */
  private readonly slots: (Buffer | undefined)[] = [undefined, undefined];
  /** When zlib is done with each slot's band. */
  private readonly consumed: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  private bands = 0;
  private failure: Error | undefined;
  /** When zlib has taken the last band written (see `write`). */
  private taken: Promise<unknown> = Promise.resolve();

  private constructor(finalPath: string, options: PngWriterOptions) {
    const { width, height, layout, palette, metadata } = options;
    this.output = atomicOutput(finalPath);
    this.file = createWriteStream(this.output.tempPath, { flags: 'wx' });
    const head: Buffer[] = [Buffer.from(PNG_SIGNATURE)];
    if (layout.kind === 'index' && palette) {
      const bitDepth = bitDepthFor(palette.size);
      head.push(ihdr(width, height, bitDepth, 3));
      this.toScanlines = (band, into) =>
        packScanlines(band.indices, width, band.height, bitDepth, into);
    } else {
      const colorType = layout.kind === 'index' ? 0 : COLOR_TYPE_OF_CHANNELS[layout.channels];
      if (colorType === undefined) throw new Error('PNG stores 1 to 4 channels');
      head.push(ihdr(width, height, layout.kind === 'index' ? layout.bits : 8, colorType));
      const rowBytes = width * bytesPerPixel(layout);
      this.toScanlines = (band, into) =>
        scanlines(bandBytes(band, layout, false), rowBytes, band.height, into);
    }
    // Ancillary chunks that must come before PLTE and IDAT.
    if (metadata?.icc) head.push(iccp(metadata.icc));
    if (metadata?.resolution) {
      const { x, y, unit } = metadata.resolution;
      const perMetre = unit === 'inch' ? 1 / METRES_PER_INCH : 100;
      head.push(phys(x * perMetre, y * perMetre));
    }
    if (layout.kind === 'index' && palette) {
      const { rgb, alpha } = paletteRgba(palette);
      head.push(plte(rgb));
      const transparency = trns(alpha);
      if (transparency) head.push(transparency);
    }
    this.file.write(Buffer.concat(head));
    this.deflate = createDeflate({ level: options.compressionLevel, memLevel: 9 });
    this.done = pipeline(this.deflate, new IdatChunker(IDAT_BYTES), this.file);
    this.done.catch((err: Error) => {
      this.failure ??= err;
    });
  }

  static async create(finalPath: string, options: PngWriterOptions): Promise<PngWriter> {
    const writer = new PngWriter(finalPath, options);
    await once(writer.file, 'open');
    return writer;
  }

  /**
   * Each band waits for zlib to have taken the one before, not itself: zlib compresses a band
   * on libuv's threads while the next is mapped, and at most two bands of scanlines are held.
   * A slot is packed again once zlib is done with the band it held.
   */
  async write(band: IndexBand): Promise<void> {
    if (this.failure) throw this.failure;
    const slot = this.bands++ % 2;
    await this.consumed[slot];
    const lines = this.toScanlines(band, this.slots[slot]);
    if (lines.buffer !== this.slots[slot]?.buffer) this.slots[slot] = lines;
    await this.taken;
    if (this.failure) throw this.failure;
    let consumed = (): void => {};
    const finished = new Promise<void>((resolve) => (consumed = resolve));
    // A failed stream may never call back: its failure ends the wait.
    this.consumed[slot] = Promise.race([finished, this.done]).catch(() => {});
    this.taken = this.deflate.write(lines, () => consumed())
      ? Promise.resolve()
      : Promise.race([once(this.deflate, 'drain'), this.done]).catch(() => {});
  }

  async close(keep?: KeepOutput): Promise<boolean> {
    await this.taken;
    if (this.failure) throw this.failure;
    this.deflate.end();
    await this.done;
    return this.output.commit(keep);
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
    // Not zeroed: only filled bytes are ever passed on, and zeroing 1 MiB touches every page of
    // it, which cost a small image's run 2 ms for a few hundred bytes of output.
    this.buffer = Buffer.allocUnsafeSlow(size);
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
