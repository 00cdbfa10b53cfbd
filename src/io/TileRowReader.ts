import { GigaquantError } from '../errors.js';
import type { RowBand } from '../types.js';
import { THREADED_PIXELS, tileDecodeThreads } from './tiff/tileDecodeThreads.js';
import type { TiledLayout } from './tiff/tiledLayout.js';
import { tileRowJob } from './tiff/decodeTileRow.js';

const CHANNELS = 3;
/** Spare tile rows kept: as many as are decoding ahead, and one for the band being read. */
const MOST_SPARE = 4;

/**
 * Bands of a tiled TIFF of the kind gigaquant decodes itself (tiledLayout.ts), without libvips.
 * libvips opens the file for every band, reading every tile's offset again (52 ms a band on an
 * 8 Gpx file), and decodes every tile a band touches, so bands of half a tile row decoded each
 * tile twice. Here the offsets are read once and each tile row is decoded once, a few ahead on
 * the decode threads; a band within one tile row is a view of it.
 */
export class TileRowReader {
  /** Decoded or decoding tile rows, from the first one a band still needs. */
  private readonly tileRows = new Map<number, Promise<Uint8Array>>();
  private readonly decoded = new Map<number, Uint8Array>();
  /** Tile rows no band needs any more, to decode others into. */
  private readonly spare: Uint8Array[] = [];
  private previousFirst = 0;
  private readonly threaded: boolean;

  /**
   * With `recycle`, a band's bytes are overwritten (or emptied) once the caller asks for the band
   * after the next: readBands' own loop asks for a band only when done with the one before the
   * last it gave. Fresh memory for every tile row is what made libvips' bands slow to come.
   */
  constructor(
    private readonly layout: TiledLayout,
    private readonly recycle: boolean,
  ) {
    this.threaded = layout.width * layout.height >= THREADED_PIXELS;
  }

  /** Whether bands of `bandHeight` rows are worth reading this way: tile rows at most twice a band. */
  static suits(layout: TiledLayout, bandHeight: number): boolean {
    return layout.tileHeight <= 2 * bandHeight;
  }

  /** Rows [y, y + rows) of the image; tile rows above `y` are let go. */
  async read(y: number, rows: number): Promise<RowBand> {
    const { tileHeight, width, height, path } = this.layout;
    const first = Math.floor(y / tileHeight);
    const last = Math.floor((y + rows - 1) / tileHeight);
    this.releaseBelow(this.previousFirst);
    this.previousFirst = first;
    const lastTileRow = Math.ceil(height / tileHeight) - 1;
    const ahead = this.threaded ? tileDecodeThreads.count - 1 : 0;
    for (let t = first; t <= Math.min(lastTileRow, last + ahead); t++)
      if (!this.tileRows.has(t)) this.tileRows.set(t, this.decode(t));
    const rowBytes = width * CHANNELS;
    let data: Uint8Array;
    try {
      if (first === last) {
        const from = (y - first * tileHeight) * rowBytes;
        data = (await this.tileRows.get(first)!).subarray(from, from + rows * rowBytes);
      } else {
        data = new Uint8Array(rows * rowBytes);
        for (let t = first; t <= last; t++) {
          const pixels = await this.tileRows.get(t)!;
          const top = Math.max(y, t * tileHeight);
          const end = Math.min(y + rows, (t + 1) * tileHeight);
          const at = (top - t * tileHeight) * rowBytes;
          data.set(pixels.subarray(at, at + (end - top) * rowBytes), (top - y) * rowBytes);
        }
      }
    } catch (err) {
      throw new GigaquantError(
        'E_INPUT_CORRUPT',
        `${path}: cannot read rows ${y}-${y + rows - 1} (${(err as Error).message})`,
        { file: path, cause: err },
      );
    }
    return { y, height: rows, width, channels: CHANNELS, data };
  }

  /** Waits for the tile rows still decoding, so that no read of the file outlives the reader. */
  async close(): Promise<void> {
    const out = [...this.tileRows.values()];
    this.tileRows.clear();
    this.decoded.clear();
    this.spare.length = 0;
    await Promise.all(out.map((p) => p.catch(() => {})));
  }

  private releaseBelow(limit: number): void {
    for (const t of this.tileRows.keys()) {
      if (t >= limit) continue;
      this.tileRows.delete(t);
      const pixels = this.decoded.get(t);
      this.decoded.delete(t);
      if (this.recycle && pixels && this.spare.length < MOST_SPARE) this.spare.push(pixels);
    }
  }

  private decode(t: number): Promise<Uint8Array> {
    const job = tileRowJob(this.layout, t);
    const fits = this.spare.findIndex((p) => p.length === job.rows * job.width * CHANNELS);
    const into = fits >= 0 ? this.spare.splice(fits, 1)[0] : undefined;
    const pixels = tileDecodeThreads.decode(job, into, this.threaded).then((p) => {
      if (this.tileRows.has(t)) this.decoded.set(t, p);
      return p;
    });
    // Seen here too, so that a tile row decoded ahead and never read leaves no unheard rejection.
    pixels.catch(() => {});
    return pixels;
  }
}
