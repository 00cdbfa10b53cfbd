import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempRegistry } from '../../runtime/tempRegistry.js';
import { HOST, TEMP_SUFFIX } from '../tempFiles.js';
import type { PyramidLevel } from './assemblePyramid.js';
import { pyramidSizes, reduceColorRows, reduceIndexRows } from './pyramidLevels.js';
import { mayPassFourGiB, storedBits } from './tiffDirectory.js';
import { TiffWriter, type TiffWriterOptions } from './TiffWriter.js';

export type Row = Uint8Array | Uint16Array;

/** What a row holds: indices (one per pixel), or colour samples (`channels` bytes a pixel). */
export type RowLayout = { kind: 'index' } | { kind: 'color'; channels: number };

export function rowLayoutOf(options: TiffWriterOptions): RowLayout {
  const { layout } = options;
  return layout.kind === 'index' ? { kind: 'index' } : { kind: 'color', channels: layout.channels };
}

/**
 * Rows of one level in, rows of the level below out: each out row from a pair of rows (a last odd
 * row pairs with itself). Palette indices and labels reduce to the most frequent index of each
 * 2x2 block, colours to their rounded mean (pyramidLevels.ts says why).
 */
export class RowPairReducer {
  private pending: Row | undefined;

  constructor(
    private readonly aboveWidth: number,
    private readonly width: number,
    private readonly layout: RowLayout,
    private readonly sink: (row: Row) => Promise<void>,
  ) {}

  async push(row: Row): Promise<void> {
    if (this.pending === undefined) {
      // A copy: the rows handed in are reused by the caller.
      this.pending = row.slice();
      return;
    }
    const top = this.pending;
    this.pending = undefined;
    await this.emit(top, row);
  }

  /** The last row, when the level above had an odd number. */
  async flush(): Promise<void> {
    const top = this.pending;
    this.pending = undefined;
    if (top) await this.emit(top, undefined);
  }

  private async emit(top: Row, bottom: Row | undefined): Promise<void> {
    let row: Row;
    if (this.layout.kind === 'index') {
      row = top instanceof Uint16Array ? new Uint16Array(this.width) : new Uint8Array(this.width);
      reduceIndexRows(top, bottom, this.aboveWidth, row);
    } else {
      row = new Uint8Array(this.width * this.layout.channels);
      const { channels } = this.layout;
      reduceColorRows(
        top as Uint8Array,
        bottom as Uint8Array | undefined,
        this.aboveWidth,
        channels,
        row,
      );
    }
    await this.sink(row);
  }
}

/** The writer options of every level of a pyramid of `options` (full resolution first). */
export function pyramidLevelOptions(options: TiffWriterOptions): TiffWriterOptions[] {
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
  return sizes.map((size, i) => ({
    ...options,
    ...size,
    bigtiff,
    reduced: i > 0,
    // GIS and viewers read the georeference, profile and resolution of the full resolution.
    metadata: i === 0 ? options.metadata : undefined,
  }));
}

interface Level {
  options: TiffWriterOptions;
  writer: TiffWriter;
  path: string;
  rowsIn: number;
  reducer: RowPairReducer | undefined;
}

/**
 * The reduced levels of a pyramid (level 1 and below), each written as compressed tiles to a
 * temporary part beside the output, each fed the rows of the level above as they come. Each level
 * keeps one row waiting for its pair and one row of tiles being filled.
 */
export class ReducedLevels {
  private constructor(private readonly levels: Level[]) {}

  /** `levelOptions` as pyramidLevelOptions gives them; parts are named after `finalPath`. */
  static async create(
    finalPath: string,
    levelOptions: TiffWriterOptions[],
  ): Promise<ReducedLevels> {
    const levels: Level[] = [];
    try {
      for (let i = 1; i < levelOptions.length; i++) {
        const options = levelOptions[i] as TiffWriterOptions;
        const path = partPath(finalPath, i);
        tempRegistry.add(path);
        levels.push({
          options,
          path,
          writer: await TiffWriter.createPart(path, options),
          rowsIn: 0,
          reducer: undefined,
        });
      }
    } catch (err) {
      await Promise.allSettled(levels.map((l) => l.writer.abort(err as Error)));
      for (const l of levels) tempRegistry.delete(l.path);
      throw err;
    }
    const chain = new ReducedLevels(levels);
    const layout = rowLayoutOf(levelOptions[0] as TiffWriterOptions);
    levels.forEach((level, i) => {
      const above = (levelOptions[i] as TiffWriterOptions).width;
      level.reducer = new RowPairReducer(above, level.options.width, layout, (row) =>
        chain.accept(i, row),
      );
    });
    return chain;
  }

  /** A row of the full resolution. */
  async push(row: Row): Promise<void> {
    await this.levels[0]?.reducer?.push(row);
  }

  /** A row of level 1 made elsewhere (a split image's parts reduce their own rows). */
  async pushLevelOne(row: Row): Promise<void> {
    await this.accept(0, row);
  }

  /** Rows level 1 has had so far. */
  levelOneRows(): number {
    return this.levels[0]?.rowsIn ?? 0;
  }

  /** Flushes every level's last odd row and closes the parts: the levels, ready to assemble. */
  async finish(): Promise<PyramidLevel[]> {
    for (const level of this.levels) await level.reducer?.flush();
    for (const level of this.levels) await level.writer.close();
    return this.levels.map((l) => ({
      options: l.options,
      parts: [{ path: l.path, byteCounts: l.writer.part().byteCounts }],
    }));
  }

  async abort(err: Error): Promise<void> {
    await Promise.allSettled(this.levels.map((l) => l.writer.abort(err)));
    await this.removeParts();
  }

  async removeParts(): Promise<void> {
    for (const l of this.levels) {
      await unlink(l.path).catch(() => {});
      tempRegistry.delete(l.path);
    }
  }

  /** Row `rowsIn` of level i + 1: written, then handed down. */
  private async accept(i: number, row: Row): Promise<void> {
    const level = this.levels[i] as Level;
    if (level.options.layout.kind === 'index')
      await level.writer.write({
        y: level.rowsIn,
        height: 1,
        width: level.options.width,
        indices: row,
      });
    else await level.writer.writeSamples(row as Uint8Array, 1);
    level.rowsIn++;
    await this.levels[i + 1]?.reducer?.push(row);
  }
}

/** A level's part beside the output, under a name the stale-temp sweep knows as ours. */
export function partPath(finalPath: string, level: number): string {
  const name = `.${basename(finalPath)}.level${level}.${HOST}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  return join(dirname(finalPath), name);
}
