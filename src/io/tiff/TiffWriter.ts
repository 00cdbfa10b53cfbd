import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { paletteRgba } from '../../model/palette.js';
import type { IndexBand, IndexWriter, Palette } from '../../types.js';
import type { ImageMetadata } from '../imageMetadata.js';
import { bandBytes, bytesPerPixel, type PixelLayout } from '../sampleLayout.js';
import { atomicOutput, type AtomicOutput } from '../tempFiles.js';
import {
  buildIfd,
  colorMap,
  header,
  headerBytes,
  rational,
  TagType,
  type TiffEntry,
} from './ifd.js';

const deflateAsync = promisify(deflate);

export interface TiffWriterOptions {
  width: number;
  height: number;
  /** Indices (with `palette`: an indexed TIFF; without: a grey label image) or colours. */
  layout: PixelLayout;
  /** Written as the ColorMap when the layout stores indices. */
  palette?: Palette;
  /** zlib level 0-9. */
  compressionLevel: number;
  /** 'auto' switches to BigTIFF when the file could pass 4 GiB. */
  bigtiff: boolean | 'auto';
  /** Square tiles of this many pixels a side (a multiple of 16); strips when absent. */
  tile?: number;
  software: string;
  metadata?: ImageMetadata;
}

/** Uncompressed bytes per strip: big enough for deflate to do well, small enough to stay bounded. */
const STRIP_TARGET_BYTES = 256 * 1024;
/** Strips or tiles being compressed at once on libuv's thread pool while JavaScript goes on. */
const CHUNKS_IN_FLIGHT = 4;
const FOUR_GIB = 2 ** 32;
const PHOTOMETRIC = { greyBlackIsZero: 1, rgb: 2, palette: 3 } as const;
const EXTRA_SAMPLE_UNASSOCIATED_ALPHA = 2;

/**
 * Streaming TIFF, deflate-compressed, in strips of a fixed number of rows or in square tiles:
 * indexed (PhotometricInterpretation 3 with a ColorMap, 8-bit indices up to 256 colours and
 * 16-bit up to 65536), grey labels, or colours (grey or RGB, with unassociated alpha). Rows are
 * gathered until a strip or a row of tiles is full, which is then compressed and appended; the IFD
 * goes at the end and the header is patched to point at it.
 */
export class TiffWriter implements IndexWriter {
  private readonly output: AtomicOutput;
  private readonly file: FileHandle;
  private readonly options: TiffWriterOptions;
  readonly bigtiff: boolean;
  private readonly pixelBytes: number;
  private readonly rowBytes: number;
  /** Rows gathered before they are cut into chunks: a strip, or one row of tiles. */
  private readonly rowsPerChunk: number;
  private rows: Buffer;
  private rowsFilled = 0;
  private offset: number;
  private readonly inFlight: Promise<Buffer>[] = [];
  private readonly chunkOffsets: number[] = [];
  private readonly chunkByteCounts: number[] = [];

  private constructor(output: AtomicOutput, file: FileHandle, options: TiffWriterOptions) {
    this.output = output;
    this.file = file;
    this.options = options;
    this.pixelBytes = bytesPerPixel(options.layout);
    this.rowBytes = options.width * this.pixelBytes;
    this.rowsPerChunk =
      options.tile ??
      Math.max(1, Math.min(options.height, Math.floor(STRIP_TARGET_BYTES / this.rowBytes)));
    this.bigtiff =
      options.bigtiff === 'auto'
        ? mayPassFourGiB(options.width, options.height, this.pixelBytes, options.tile)
        : options.bigtiff;
    this.offset = headerBytes(this.bigtiff);
    this.rows = Buffer.alloc(this.rowsPerChunk * this.rowBytes);
  }

  static async create(finalPath: string, options: TiffWriterOptions): Promise<TiffWriter> {
    if (options.tile !== undefined && (options.tile < 16 || options.tile % 16 !== 0)) {
      throw new Error(`TIFF tiles must be a multiple of 16 pixels, not ${options.tile}`);
    }
    const output = atomicOutput(finalPath);
    const file = await open(output.tempPath, 'wx');
    return new TiffWriter(output, file, options);
  }

  async write(band: IndexBand): Promise<void> {
    const bytes = bandBytes(band, this.options.layout, true);
    for (let r = 0; r < band.height; r++) {
      this.rows.set(
        bytes.subarray(r * this.rowBytes, (r + 1) * this.rowBytes),
        this.rowsFilled * this.rowBytes,
      );
      if (++this.rowsFilled === this.rowsPerChunk) await this.flushRows();
    }
  }

  async close(): Promise<void> {
    try {
      if (this.rowsFilled > 0) await this.flushRows();
      while (this.inFlight.length > 0) await this.writeNextChunk();
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

  private async flushRows(): Promise<void> {
    for (const raw of this.cutChunks()) {
      this.inFlight.push(deflateAsync(raw, { level: this.options.compressionLevel }));
      while (this.inFlight.length >= CHUNKS_IN_FLIGHT) await this.writeNextChunk();
    }
    this.rows = Buffer.alloc(this.rowsPerChunk * this.rowBytes);
    this.rowsFilled = 0;
  }

  /** The gathered rows as one strip, or as tiles left to right (edge tiles padded with zeros). */
  private cutChunks(): Buffer[] {
    const { tile, width } = this.options;
    if (tile === undefined) return [this.rows.subarray(0, this.rowsFilled * this.rowBytes)];
    const tileRowBytes = tile * this.pixelBytes;
    const tiles: Buffer[] = [];
    for (let x = 0; x < width; x += tile) {
      const t = Buffer.alloc(tile * tileRowBytes);
      const from = x * this.pixelBytes;
      const length = Math.min(tile, width - x) * this.pixelBytes;
      for (let r = 0; r < this.rowsFilled; r++) {
        const at = r * this.rowBytes + from;
        this.rows.copy(t, r * tileRowBytes, at, at + length);
      }
      tiles.push(t);
    }
    return tiles;
  }

  private async writeNextChunk(): Promise<void> {
    const data = await (this.inFlight.shift() as Promise<Buffer>);
    await this.file.write(data, 0, data.length, this.offset);
    this.chunkOffsets.push(this.offset);
    this.chunkByteCounts.push(data.length);
    this.offset += data.length;
  }

  private async writeDirectory(): Promise<void> {
    const { width, height, software, tile } = this.options;
    const ifdAt = this.offset + (this.offset % 2);
    const offsetType = this.bigtiff ? TagType.LONG8 : TagType.LONG;
    const entries: TiffEntry[] = [
      { tag: 256, type: TagType.LONG, values: [width] },
      { tag: 257, type: TagType.LONG, values: [height] },
      { tag: 259, type: TagType.SHORT, values: [8] }, // Adobe deflate
      { tag: 284, type: TagType.SHORT, values: [1] }, // chunky
      { tag: 305, type: TagType.ASCII, values: software },
      ...this.sampleEntries(),
      ...(tile === undefined
        ? [
            { tag: 273, type: offsetType, values: this.chunkOffsets },
            { tag: 278, type: TagType.LONG, values: [this.rowsPerChunk] },
            { tag: 279, type: offsetType, values: this.chunkByteCounts },
          ]
        : [
            { tag: 322, type: TagType.LONG, values: [tile] },
            { tag: 323, type: TagType.LONG, values: [tile] },
            { tag: 324, type: offsetType, values: this.chunkOffsets },
            { tag: 325, type: offsetType, values: this.chunkByteCounts },
          ]),
      ...metadataEntries(this.options.metadata),
    ];
    const ifd = buildIfd(entries, ifdAt, this.bigtiff);
    if (!this.bigtiff && ifdAt + ifd.length > FOUR_GIB) {
      throw new Error('TIFF passed 4 GiB without BigTIFF; write it again with bigtiff enabled');
    }
    await this.file.write(ifd, 0, ifd.length, ifdAt);
    const head = header(this.bigtiff, ifdAt);
    await this.file.write(head, 0, head.length, 0);
  }

  /** BitsPerSample, Photometric, SamplesPerPixel, ExtraSamples and ColorMap for the layout. */
  private sampleEntries(): TiffEntry[] {
    const { layout, palette } = this.options;
    if (layout.kind === 'index') {
      const entries: TiffEntry[] = [
        { tag: 258, type: TagType.SHORT, values: [layout.bits] },
        { tag: 277, type: TagType.SHORT, values: [1] },
      ];
      if (!palette)
        return [
          ...entries,
          { tag: 262, type: TagType.SHORT, values: [PHOTOMETRIC.greyBlackIsZero] },
        ];
      return [
        ...entries,
        { tag: 262, type: TagType.SHORT, values: [PHOTOMETRIC.palette] },
        { tag: 320, type: TagType.SHORT, values: colorMap(paletteRgba(palette).rgb, layout.bits) },
      ];
    }
    const { channels } = layout;
    const colorChannels = channels <= 2 ? 1 : 3;
    const entries: TiffEntry[] = [
      { tag: 258, type: TagType.SHORT, values: new Array<number>(channels).fill(8) },
      {
        tag: 262,
        type: TagType.SHORT,
        values: [colorChannels === 1 ? PHOTOMETRIC.greyBlackIsZero : PHOTOMETRIC.rgb],
      },
      { tag: 277, type: TagType.SHORT, values: [channels] },
    ];
    if (channels > colorChannels)
      entries.push({ tag: 338, type: TagType.SHORT, values: [EXTRA_SAMPLE_UNASSOCIATED_ALPHA] });
    return entries;
  }
}

/** ICC profile, resolution and the GeoTIFF tags of the input. */
function metadataEntries(metadata: ImageMetadata | undefined): TiffEntry[] {
  if (!metadata) return [];
  const entries: TiffEntry[] = [...metadata.geoTags];
  if (metadata.icc) entries.push({ tag: 34675, type: TagType.UNDEFINED, values: metadata.icc });
  if (metadata.resolution) {
    const { x, y, unit } = metadata.resolution;
    entries.push(
      { tag: 282, type: TagType.RATIONAL, values: rational(x) },
      { tag: 283, type: TagType.RATIONAL, values: rational(y) },
      { tag: 296, type: TagType.SHORT, values: [unit === 'cm' ? 3 : 2] },
    );
  }
  return entries;
}

/**
 * Whether a TIFF of this size could pass the 4 GiB that classic TIFF offsets can address, even if
 * deflate does not compress it at all (it can expand incompressible data slightly), counting the
 * zero padding of edge tiles.
 */
export function mayPassFourGiB(
  width: number,
  height: number,
  bytesPerPixel: number,
  tile?: number,
): boolean {
  const padded = (n: number) => (tile ? Math.ceil(n / tile) * tile : n);
  const raw = padded(width) * padded(height) * bytesPerPixel;
  const worstCase = raw * 1.01 + height * 16 + 16 * 1024 * 1024 + 3 * 65536 * 2;
  return worstCase >= FOUR_GIB;
}
