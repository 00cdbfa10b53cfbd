import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempRegistry } from '../../runtime/tempRegistry.js';
import type { IndexBand, IndexWriter, KeepOutput } from '../../types.js';
import { HOST, TEMP_SUFFIX } from '../tempFiles.js';
import { assemblePyramid } from './assemblePyramid.js';
import { pyramidSizes, reduceColorRows, reduceIndexRows } from './pyramidLevels.js';
import { bandBytes } from '../sampleLayout.js';
import { mayPassFourGiB, storedBits } from './tiffDirectory.js';
import { TiffWriter, type TiffWriterOptions } from './TiffWriter.js';

type Row = Uint8Array | Uint16Array;

/** One level below the full resolution: its writer, and the row waiting for its pair. */
interface Level {
  writer: TiffWriter;
  path: string;
  width: number;
  height: number;
  pending: Row | undefined;
  rowsIn: number;
}

/**
 * A tiled TIFF with its reduced levels (each half the one above, down to 256 pixels a side), built
 * from the rows as they stream by: palette indices and labels reduce to the most frequent index of
 * each 2x2 block, colours to their mean. Each level keeps one row waiting for its pair and one row
 * of tiles being filled, so memory stays a few tile rows per level. Every level is written as
 * compressed tiles to a temporary part; closing joins them as a Cloud-Optimized GeoTIFF
 * (assemblePyramid).
 */
export class PyramidTiffWriter implements IndexWriter {
  readonly bigtiff: boolean;

  private constructor(
    private readonly finalPath: string,
    private readonly full: { writer: TiffWriter; path: string; options: TiffWriterOptions },
    private readonly levels: Level[],
    private readonly levelOptions: TiffWriterOptions[],
    bigtiff: boolean,
  ) {
    this.bigtiff = bigtiff;
  }

  static async create(finalPath: string, options: TiffWriterOptions): Promise<PyramidTiffWriter> {
    if (options.tile === undefined) throw new Error('a pyramid is written in tiles');
    const sizes = pyramidSizes(options.width, options.height);
    // The levels add at most a third to the full resolution's size.
    const bigtiff =
      options.bigtiff === 'auto'
        ? mayPassFourGiB(
            options.width,
            Math.ceil((options.height * 4) / 3),
            storedBits(options) / 8,
            options.tile,
          )
        : options.bigtiff;
    const levelOptions = sizes.map((size, i) => ({
      ...options,
      ...size,
      bigtiff,
      reduced: i > 0,
      // GIS and viewers read the georeference, profile and resolution of the full resolution.
      metadata: i === 0 ? options.metadata : undefined,
    }));
    const opened: { writer: TiffWriter; path: string }[] = [];
    try {
      for (const o of levelOptions) {
        const path = partPath(finalPath, opened.length);
        tempRegistry.add(path);
        opened.push({ writer: await TiffWriter.createPart(path, o), path });
      }
    } catch (err) {
      await Promise.all(opened.map((p) => p.writer.abort(err as Error)));
      for (const p of opened) tempRegistry.delete(p.path);
      throw err;
    }
    const [first, ...rest] = opened as [
      { writer: TiffWriter; path: string },
      ...{ writer: TiffWriter; path: string }[],
    ];
    const levels = rest.map((p, i) => ({
      ...p,
      width: (sizes[i + 1] as { width: number }).width,
      height: (sizes[i + 1] as { height: number }).height,
      pending: undefined,
      rowsIn: 0,
    }));
    return new PyramidTiffWriter(
      finalPath,
      { ...first, options: levelOptions[0] as TiffWriterOptions },
      levels,
      levelOptions,
      bigtiff,
    );
  }

  async write(band: IndexBand): Promise<void> {
    const { layout } = this.full.options;
    if (layout.kind === 'index') {
      await this.full.writer.write(band);
      for (let r = 0; r < band.height; r++)
        await this.feed(0, band.indices.subarray(r * band.width, (r + 1) * band.width));
      return;
    }
    // Colours: the rows are laid out once, for the full resolution and for the means below it.
    const bytes = bandBytes(band, layout, true);
    await this.full.writer.writeSamples(bytes, band.height);
    const rowBytes = band.width * layout.channels;
    for (let r = 0; r < band.height; r++)
      await this.feed(0, bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
  }

  async close(keep?: KeepOutput): Promise<boolean> {
    try {
      // A level with an odd number of rows has its last row still waiting: it pairs with itself.
      for (let i = 0; i < this.levels.length; i++) {
        const level = this.levels[i] as Level;
        if (level.pending) await this.emit(i, level.pending, undefined);
      }
      await this.full.writer.close();
      for (const level of this.levels) await level.writer.close();
      return await assemblePyramid(
        this.finalPath,
        [this.full, ...this.levels].map((l, i) => ({
          options: this.levelOptions[i] as TiffWriterOptions,
          path: l.path,
          byteCounts: l.writer.part().byteCounts,
        })),
        this.bigtiff,
        keep,
      );
    } finally {
      await this.removeParts();
    }
  }

  async abort(err: Error): Promise<void> {
    await Promise.allSettled([this.full, ...this.levels].map((l) => l.writer.abort(err)));
    await this.removeParts();
  }

  /** A row of the level above `i` (0: the full resolution) arrives at level i + 1. */
  private async feed(i: number, row: Row): Promise<void> {
    const level = this.levels[i];
    if (!level) return;
    if (level.pending === undefined) {
      // A copy: the rows handed in are reused by the caller.
      level.pending = row.slice();
      return;
    }
    await this.emit(i, level.pending, row);
    level.pending = undefined;
  }

  private async emit(i: number, top: Row, bottom: Row | undefined): Promise<void> {
    const level = this.levels[i] as Level;
    const above = i === 0 ? this.full.options.width : (this.levels[i - 1] as Level).width;
    const { layout } = this.full.options;
    let row: Row;
    if (layout.kind === 'index') {
      row = top instanceof Uint16Array ? new Uint16Array(level.width) : new Uint8Array(level.width);
      reduceIndexRows(top, bottom, above, row);
      await level.writer.write({ y: level.rowsIn, height: 1, width: level.width, indices: row });
    } else {
      row = new Uint8Array(level.width * layout.channels);
      reduceColorRows(
        top as Uint8Array,
        bottom as Uint8Array | undefined,
        above,
        layout.channels,
        row,
      );
      await level.writer.writeSamples(row, 1);
    }
    level.rowsIn++;
    await this.feed(i + 1, row);
  }

  private async removeParts(): Promise<void> {
    for (const l of [this.full, ...this.levels]) {
      await unlink(l.path).catch(() => {});
      tempRegistry.delete(l.path);
    }
  }
}

/** A level's part beside the output, under a name the stale-temp sweep knows as ours. */
function partPath(finalPath: string, level: number): string {
  const name = `.${basename(finalPath)}.level${level}.${HOST}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  return join(dirname(finalPath), name);
}
