import type { Palette, RowBand } from '../types.js';

/** Cells along each side at most, whatever the image size: the grid's memory is bounded. */
const MAX_CELLS_PER_SIDE = 256;
/** Smallest cell side in pixels: a finer grid finds nothing a 1:1 crop would show better. */
const MIN_CELL_SIDE = 16;

/** Squared error summed per cell of a coarse grid over the image. */
export interface ErrorCells {
  imageWidth: number;
  imageHeight: number;
  cellWidth: number;
  cellHeight: number;
  columns: number;
  rows: number;
  /** Row-major, columns x rows. */
  sse: Float64Array;
}

/**
 * Where the quantization error is, gathered during pass 2 from every pixel: the squared error
 * against the entry each pixel got, summed per cell of a grid of at most 256 x 256 cells. The
 * report's loupe reads the worst places back at 1:1 from this, without a second pass.
 */
export class ErrorGrid {
  private readonly cells: ErrorCells;

  /** `nodataIndex`: pixels given it have no error (they are not quantized). */
  constructor(
    width: number,
    height: number,
    private readonly palette: Palette,
    private readonly nodataIndex?: number,
  ) {
    const cellWidth = Math.max(MIN_CELL_SIDE, Math.ceil(width / MAX_CELLS_PER_SIDE));
    const cellHeight = Math.max(MIN_CELL_SIDE, Math.ceil(height / MAX_CELLS_PER_SIDE));
    const columns = Math.ceil(width / cellWidth);
    const rows = Math.ceil(height / cellHeight);
    this.cells = {
      imageWidth: width,
      imageHeight: height,
      cellWidth,
      cellHeight,
      columns,
      rows,
      sse: new Float64Array(columns * rows),
    };
  }

  /** A band of pass 2 in the palette's channel layout, and the index each pixel got. */
  add(band: RowBand, indices: Uint8Array | Uint16Array): void {
    const { cellWidth, cellHeight, columns, imageWidth: width, sse } = this.cells;
    for (let r = 0; r < band.height; r++) {
      const at = Math.floor((band.y + r) / cellHeight) * columns;
      for (let cx = 0, x0 = 0; cx < columns; cx++, x0 += cellWidth) {
        const from = r * width + x0;
        const to = r * width + Math.min(width, x0 + cellWidth);
        sse[at + cx] = (sse[at + cx] as number) + this.spanError(band, indices, from, to);
      }
    }
  }

  /**
   * The error of pixels from..to-1 of a band. Runs over every pixel of a report's image, so RGB,
   * the common case, has its own loop with nothing decided per pixel.
   */
  private spanError(
    band: RowBand,
    indices: Uint8Array | Uint16Array,
    from: number,
    to: number,
  ): number {
    const { colors } = this.palette;
    const data = band.data;
    const c = band.channels;
    const skip = this.nodataIndex ?? -1;
    let s = 0;
    if (c === 3) {
      for (let p = from, o = from * 3; p < to; p++, o += 3) {
        const e = (indices[p] as number) * 3;
        const d0 = (data[o] as number) - (colors[e] as number);
        const d1 = (data[o + 1] as number) - (colors[e + 1] as number);
        const d2 = (data[o + 2] as number) - (colors[e + 2] as number);
        s += d0 * d0 + d1 * d1 + d2 * d2;
      }
      if (skip >= 0) s -= this.spanError3At(band, indices, from, to, skip);
      return s;
    }
    for (let p = from, o = from * c; p < to; p++, o += c) {
      const index = indices[p] as number;
      if (index === skip) continue;
      const e = index * c;
      for (let ch = 0; ch < c; ch++) {
        const d = (data[o + ch] as number) - (colors[e + ch] as number);
        s += d * d;
      }
    }
    return s;
  }

  /** The part of an RGB span's error that its nodata pixels added (they have none). */
  private spanError3At(
    band: RowBand,
    indices: Uint8Array | Uint16Array,
    from: number,
    to: number,
    skip: number,
  ): number {
    const { colors } = this.palette;
    const data = band.data;
    const e = skip * 3;
    let s = 0;
    for (let p = from, o = from * 3; p < to; p++, o += 3) {
      if (indices[p] !== skip) continue;
      for (let ch = 0; ch < 3; ch++)
        s += ((data[o + ch] as number) - (colors[e + ch] as number)) ** 2;
    }
    return s;
  }

  finish(): ErrorCells {
    return this.cells;
  }
}
