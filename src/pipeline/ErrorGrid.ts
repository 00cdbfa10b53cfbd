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
    const { colors } = this.palette;
    const c = band.channels;
    const data = band.data;
    const skip = this.nodataIndex ?? -1;
    for (let r = 0; r < band.height; r++) {
      const at = Math.floor((band.y + r) / cellHeight) * columns;
      for (let cx = 0, x0 = 0; cx < columns; cx++, x0 += cellWidth) {
        const end = r * width + Math.min(width, x0 + cellWidth);
        let s = 0;
        for (let p = r * width + x0, o = p * c; p < end; p++, o += c) {
          const index = indices[p] as number;
          if (index === skip) continue;
          const e = index * c;
          for (let ch = 0; ch < c; ch++) {
            const d = (data[o + ch] as number) - (colors[e + ch] as number);
            s += d * d;
          }
        }
        sse[at + cx] = (sse[at + cx] as number) + s;
      }
    }
  }

  finish(): ErrorCells {
    return this.cells;
  }
}
