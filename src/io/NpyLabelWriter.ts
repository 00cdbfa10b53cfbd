import { open, type FileHandle } from 'node:fs/promises';
import type { IndexBand, IndexWriter, KeepOutput } from '../types.js';
import { npyHeader } from './npy.js';
import { bandBytes, indexLayout, type PixelLayout } from './sampleLayout.js';
import { atomicOutput, type AtomicOutput } from './tempFiles.js';

export interface NpyLabelWriterOptions {
  width: number;
  height: number;
  paletteSize: number;
}

/**
 * Labels as a numpy .npy array of shape (height, width), uint8 up to 256 colours and uint16
 * above: header, then rows as they come. Uncompressed, so that `numpy.load(path, mmap_mode='r')`
 * opens a gigapixel label image without reading it.
 */
export class NpyLabelWriter implements IndexWriter {
  private offset: number;

  private constructor(
    private readonly output: AtomicOutput,
    private readonly file: FileHandle,
    private readonly layout: PixelLayout,
    headerBytes: number,
  ) {
    this.offset = headerBytes;
  }

  static async create(finalPath: string, options: NpyLabelWriterOptions): Promise<NpyLabelWriter> {
    const layout = indexLayout(options.paletteSize);
    const head = npyHeader(
      [options.height, options.width],
      layout.kind === 'index' ? layout.bits : 8,
    );
    const output = atomicOutput(finalPath);
    const file = await open(output.tempPath, 'wx');
    try {
      await file.write(head, 0, head.length, 0);
    } catch (err) {
      await file.close().catch(() => {});
      await output.discard();
      throw err;
    }
    return new NpyLabelWriter(output, file, layout, head.length);
  }

  async write(band: IndexBand): Promise<void> {
    const bytes = bandBytes(band, this.layout, true);
    await this.file.write(bytes, 0, bytes.length, this.offset);
    this.offset += bytes.length;
  }

  async close(keep?: KeepOutput): Promise<boolean> {
    try {
      await this.file.close();
    } catch (err) {
      await this.output.discard();
      throw err;
    }
    return this.output.commit(keep);
  }

  async abort(_err: Error): Promise<void> {
    await this.file.close().catch(() => {});
    await this.output.discard();
  }
}
