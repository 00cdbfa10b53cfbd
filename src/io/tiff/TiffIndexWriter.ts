import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { paletteRgba } from '../../cluster/palette.js';
import type { IndexBand, IndexWriter, Palette } from '../../types.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import { buildIfd, colorMap, header, headerBytes, TagType, type TiffEntry } from './ifd.js';

const deflateAsync = promisify(deflate);

export interface TiffWriterOptions {
  width: number;
  height: number;
  palette: Palette;
  /** zlib level 0-9. */
  compressionLevel: number;
  /** 'auto' switches to BigTIFF when the file could pass 4 GiB. */
  bigtiff: boolean | 'auto';
  software: string;
}

/** Uncompressed bytes per strip: big enough for deflate to do well, small enough to stay bounded. */
const STRIP_TARGET_BYTES = 256 * 1024;
/** Strips being compressed at once on libuv's thread pool while JavaScript goes on. */
const STRIPS_IN_FLIGHT = 4;
const FOUR_GIB = 2 ** 32;

/**
 * Streaming indexed TIFF (PhotometricInterpretation 3 with a ColorMap), 8-bit indices up to 256
 * colours and 16-bit up to 65536, deflate-compressed strips of a fixed number of rows. Strips are
 * appended as they fill; the IFD goes at the end and the header is patched to point at it.
 */
export class TiffIndexWriter implements IndexWriter {
  private readonly output: AtomicOutput;
  private readonly file: FileHandle;
  private readonly options: TiffWriterOptions;
  readonly bigtiff: boolean;
  private readonly bitsPerSample: 8 | 16;
  private readonly rowsPerStrip: number;
  private readonly rowBytes: number;
  private strip: Buffer;
  private stripRows = 0;
  private offset: number;
  private readonly inFlight: Promise<Buffer>[] = [];
  private readonly stripOffsets: number[] = [];
  private readonly stripByteCounts: number[] = [];

  private constructor(output: AtomicOutput, file: FileHandle, options: TiffWriterOptions) {
    this.output = output;
    this.file = file;
    this.options = options;
    this.bitsPerSample = options.palette.size > 256 ? 16 : 8;
    this.rowBytes = options.width * (this.bitsPerSample / 8);
    this.rowsPerStrip = Math.max(
      1,
      Math.min(options.height, Math.floor(STRIP_TARGET_BYTES / this.rowBytes)),
    );
    this.bigtiff =
      options.bigtiff === 'auto'
        ? mayPassFourGiB(options.width, options.height, this.bitsPerSample)
        : options.bigtiff;
    this.offset = headerBytes(this.bigtiff);
    this.strip = Buffer.alloc(this.rowsPerStrip * this.rowBytes);
  }

  static async create(finalPath: string, options: TiffWriterOptions): Promise<TiffIndexWriter> {
    const output = atomicOutput(finalPath);
    const file = await open(output.tempPath, 'wx');
    return new TiffIndexWriter(output, file, options);
  }

  async write(band: IndexBand): Promise<void> {
    const { width, indices } = band;
    for (let r = 0; r < band.height; r++) {
      const at = this.stripRows * this.rowBytes;
      const row = indices.subarray(r * width, (r + 1) * width);
      if (this.bitsPerSample === 8) {
        this.strip.set(row, at);
      } else {
        for (let x = 0; x < width; x++) this.strip.writeUInt16LE(row[x] as number, at + x * 2);
      }
      if (++this.stripRows === this.rowsPerStrip) await this.flushStrip();
    }
  }

  async close(): Promise<void> {
    try {
      if (this.stripRows > 0) await this.flushStrip();
      while (this.inFlight.length > 0) await this.writeNextStrip();
      await this.writeDirectory();
      await this.file.close();
    } catch (err) {
      await this.abort(err as Error);
      throw err;
    }
    await this.output.commit();
  }

  async abort(_err: Error): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
    await this.file.close().catch(() => {});
    await this.output.discard();
  }

  private async flushStrip(): Promise<void> {
    const raw = this.strip.subarray(0, this.stripRows * this.rowBytes);
    this.inFlight.push(deflateAsync(raw, { level: this.options.compressionLevel }));
    this.strip = Buffer.alloc(this.rowsPerStrip * this.rowBytes);
    this.stripRows = 0;
    while (this.inFlight.length >= STRIPS_IN_FLIGHT) await this.writeNextStrip();
  }

  private async writeNextStrip(): Promise<void> {
    const data = await (this.inFlight.shift() as Promise<Buffer>);
    await this.file.write(data, 0, data.length, this.offset);
    this.stripOffsets.push(this.offset);
    this.stripByteCounts.push(data.length);
    this.offset += data.length;
  }

  private async writeDirectory(): Promise<void> {
    const { width, height, palette, software } = this.options;
    const ifdAt = this.offset + (this.offset % 2);
    const offsetType = this.bigtiff ? TagType.LONG8 : TagType.LONG;
    const entries: TiffEntry[] = [
      { tag: 256, type: TagType.LONG, values: [width] },
      { tag: 257, type: TagType.LONG, values: [height] },
      { tag: 258, type: TagType.SHORT, values: [this.bitsPerSample] },
      { tag: 259, type: TagType.SHORT, values: [8] }, // Adobe deflate
      { tag: 262, type: TagType.SHORT, values: [3] }, // palette colour
      { tag: 273, type: offsetType, values: this.stripOffsets },
      { tag: 277, type: TagType.SHORT, values: [1] },
      { tag: 278, type: TagType.LONG, values: [this.rowsPerStrip] },
      { tag: 279, type: offsetType, values: this.stripByteCounts },
      { tag: 284, type: TagType.SHORT, values: [1] }, // chunky
      { tag: 305, type: TagType.ASCII, values: software },
      {
        tag: 320,
        type: TagType.SHORT,
        values: colorMap(paletteRgba(palette).rgb, this.bitsPerSample),
      },
    ];
    const ifd = buildIfd(entries, ifdAt, this.bigtiff);
    if (!this.bigtiff && ifdAt + ifd.length > FOUR_GIB) {
      throw new Error('TIFF passed 4 GiB without BigTIFF; write it again with bigtiff enabled');
    }
    await this.file.write(ifd, 0, ifd.length, ifdAt);
    const head = header(this.bigtiff, ifdAt);
    await this.file.write(head, 0, head.length, 0);
  }
}

/**
 * Whether an indexed TIFF of this size could pass the 4 GiB that classic TIFF offsets can address,
 * even if deflate does not compress it at all (it can expand incompressible data slightly).
 */
export function mayPassFourGiB(width: number, height: number, bitsPerSample: 8 | 16): boolean {
  const raw = width * height * (bitsPerSample / 8);
  const worstCase = raw * 1.01 + height * 16 + 1024 * 1024 + 3 * 65536 * 2;
  return worstCase >= FOUR_GIB;
}
