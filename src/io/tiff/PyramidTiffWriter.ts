import { unlink } from 'node:fs/promises';
import { tempRegistry } from '../../runtime/tempRegistry.js';
import type { IndexBand, IndexWriter, KeepOutput } from '../../types.js';
import { assemblePyramid } from './assemblePyramid.js';
import { bandBytes } from '../sampleLayout.js';
import { partPath, pyramidLevelOptions, ReducedLevels } from './ReducedLevels.js';
import { TiffWriter, type TiffWriterOptions } from './TiffWriter.js';

/**
 * A tiled TIFF with its reduced levels (each half the one above, down to 256 pixels a side), built
 * from the rows as they stream by (ReducedLevels). The full resolution and every level are written
 * as compressed tiles to temporary parts; closing joins them as a Cloud-Optimized GeoTIFF
 * (assemblePyramid).
 */
export class PyramidTiffWriter implements IndexWriter {
  readonly bigtiff: boolean;

  private constructor(
    private readonly finalPath: string,
    private readonly full: { writer: TiffWriter; path: string; options: TiffWriterOptions },
    private readonly levels: ReducedLevels,
  ) {
    this.bigtiff = full.options.bigtiff === true;
  }

  static async create(finalPath: string, options: TiffWriterOptions): Promise<PyramidTiffWriter> {
    const levelOptions = pyramidLevelOptions(options);
    const fullOptions = levelOptions[0] as TiffWriterOptions;
    const path = partPath(finalPath, 0);
    tempRegistry.add(path);
    let writer: TiffWriter;
    try {
      writer = await TiffWriter.createPart(path, fullOptions);
    } catch (err) {
      tempRegistry.delete(path);
      throw err;
    }
    let levels: ReducedLevels;
    try {
      levels = await ReducedLevels.create(finalPath, levelOptions);
    } catch (err) {
      await writer.abort(err as Error);
      tempRegistry.delete(path);
      throw err;
    }
    return new PyramidTiffWriter(finalPath, { writer, path, options: fullOptions }, levels);
  }

  async write(band: IndexBand): Promise<void> {
    const { layout } = this.full.options;
    if (layout.kind === 'index') {
      await this.full.writer.write(band);
      for (let r = 0; r < band.height; r++)
        await this.levels.push(band.indices.subarray(r * band.width, (r + 1) * band.width));
      return;
    }
    // Colours: the rows are laid out once, for the full resolution and for the means below it.
    const bytes = bandBytes(band, layout, true);
    await this.full.writer.writeSamples(bytes, band.height);
    const rowBytes = band.width * layout.channels;
    for (let r = 0; r < band.height; r++)
      await this.levels.push(bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
  }

  async close(keep?: KeepOutput): Promise<boolean> {
    try {
      const reduced = await this.levels.finish();
      await this.full.writer.close();
      const full = {
        options: this.full.options,
        parts: [{ path: this.full.path, byteCounts: this.full.writer.part().byteCounts }],
      };
      return await assemblePyramid(this.finalPath, [full, ...reduced], this.bigtiff, keep);
    } finally {
      await this.removeParts();
    }
  }

  async abort(err: Error): Promise<void> {
    await Promise.allSettled([this.full.writer.abort(err), this.levels.abort(err)]);
    await this.removeParts();
  }

  private async removeParts(): Promise<void> {
    await unlink(this.full.path).catch(() => {});
    tempRegistry.delete(this.full.path);
    await this.levels.removeParts();
  }
}
