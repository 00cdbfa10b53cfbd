import { hasAlphaChannel } from '../model/channels.js';
import type { Palette, RowBand } from '../types.js';
import { ErrorGrid, type ErrorCells } from './ErrorGrid.js';
import type { LoupeCrop } from './loupe.js';

/** Longest side of a thumbnail, in pixels. */
const THUMB_SIDE = 256;
/** Source pixels sampled per thumbnail pixel along each axis (so 4 per thumbnail pixel). */
const SAMPLES_PER_AXIS = 2;
/** Colours drawn in the 3D view. */
const MAX_POINTS = 1500;

/**
 * What a report shows of one image, gathered during pass 2 from the bands already flowing
 * through it, never by decoding the image again: thumbnails of the original and the quantized
 * image, each palette entry's share of the pixels, and a sample of colours with their entry. All
 * come from a fixed grid of samples (4 per thumbnail pixel), so the cost does not grow with the
 * image (counting every pixel was a noticeable share of a big image's run; the grid's shares
 * are within a fraction of a percent of the true ones).
 */
export interface ImageDigest {
  thumbWidth: number;
  thumbHeight: number;
  /** RGBA, thumbWidth x thumbHeight. */
  original: Uint8Array;
  quantized: Uint8Array;
  /** Samples per palette entry: in proportion to its pixels (every pixel, up to 256 px a side). */
  counts: number[];
  /** Sampled colours as RGB triples, and the palette entry of each. */
  pointColors: Uint8Array;
  pointEntries: Uint16Array;
  /** With `errors`: the squared error per cell of a coarse grid over every pixel. */
  errors?: ErrorCells;
  /** The worst regions at 1:1, when the caller read them back (see loupe.ts). */
  loupe?: LoupeCrop[];
}

export interface DigestOptions {
  /** Also sum the error of every pixel per grid cell (for the report's loupe). */
  errors?: boolean;
  /** The nodata entry, whose pixels have no error. */
  nodataIndex?: number;
}

export class ImageDigestBuilder {
  private readonly thumbWidth: number;
  private readonly thumbHeight: number;
  /** Source row of each sample row (sorted), and the thumbnail row it feeds. */
  private readonly sampleRows: { y: number; ty: number }[] = [];
  private readonly sampleXs: Int32Array;
  private readonly sampleTx: Int32Array;
  private nextSampleRow = 0;
  private readonly originalSums: Float64Array;
  private readonly quantizedSums: Float64Array;
  private readonly sampleCounts: Uint32Array;
  private readonly counts: Float64Array;
  private readonly pointColors: number[] = [];
  private readonly pointEntries: number[] = [];
  private readonly pointStride: number;
  private samplesSeen = 0;
  private readonly errorGrid: ErrorGrid | undefined;

  constructor(
    private readonly width: number,
    height: number,
    private readonly palette: Palette,
    options: DigestOptions = {},
  ) {
    this.errorGrid = options.errors
      ? new ErrorGrid(width, height, palette, options.nodataIndex)
      : undefined;
    const scale = Math.min(1, THUMB_SIDE / Math.max(width, height));
    this.thumbWidth = Math.max(1, Math.round(width * scale));
    this.thumbHeight = Math.max(1, Math.round(height * scale));
    const grid = (size: number, thumb: number) => {
      const at: number[] = [];
      const cell: number[] = [];
      for (let t = 0; t < thumb; t++) {
        for (let s = 0; s < SAMPLES_PER_AXIS; s++) {
          const v = Math.min(
            size - 1,
            Math.floor(((t + (s + 0.5) / SAMPLES_PER_AXIS) * size) / thumb),
          );
          at.push(v);
          cell.push(t);
        }
      }
      return { at, cell };
    };
    const rows = grid(height, this.thumbHeight);
    rows.at.forEach((y, i) => this.sampleRows.push({ y, ty: rows.cell[i] as number }));
    const cols = grid(width, this.thumbWidth);
    this.sampleXs = Int32Array.from(cols.at);
    this.sampleTx = Int32Array.from(cols.cell);
    const cells = this.thumbWidth * this.thumbHeight;
    this.originalSums = new Float64Array(cells * 4);
    this.quantizedSums = new Float64Array(cells * 4);
    this.sampleCounts = new Uint32Array(cells);
    this.counts = new Float64Array(palette.size);
    this.pointStride = Math.max(1, Math.floor((rows.at.length * cols.at.length) / MAX_POINTS));
  }

  /** One band of pass 2: its pixels in the palette's channel layout, and their palette indices. */
  add(band: RowBand, indices: Uint8Array | Uint16Array): void {
    this.errorGrid?.add(band, indices);
    const end = band.y + band.height;
    while (this.nextSampleRow < this.sampleRows.length) {
      const row = this.sampleRows[this.nextSampleRow] as { y: number; ty: number };
      if (row.y >= end) break;
      this.nextSampleRow++;
      if (row.y >= band.y) this.addRow(band, indices, row.y - band.y, row.ty);
    }
  }

  private addRow(band: RowBand, indices: Uint8Array | Uint16Array, r: number, ty: number): void {
    const { channels, data } = band;
    const colors = this.palette.colors;
    const pch = this.palette.channels;
    const rowStart = r * this.width;
    for (let s = 0; s < this.sampleXs.length; s++) {
      const p = rowStart + (this.sampleXs[s] as number);
      const cell = ty * this.thumbWidth + (this.sampleTx[s] as number);
      const entry = indices[p] as number;
      const o = p * channels;
      const q = entry * pch;
      addRgba(this.originalSums, cell, data, o, channels);
      addRgba(this.quantizedSums, cell, colors, q, pch);
      this.sampleCounts[cell] = (this.sampleCounts[cell] as number) + 1;
      this.counts[entry] = (this.counts[entry] as number) + 1;
      if (this.samplesSeen++ % this.pointStride === 0 && this.pointEntries.length < MAX_POINTS) {
        const grey = channels <= 2;
        this.pointColors.push(
          data[o] as number,
          data[o + (grey ? 0 : 1)] as number,
          data[o + (grey ? 0 : 2)] as number,
        );
        this.pointEntries.push(entry);
      }
    }
  }

  /** The error grid so far (all of it once pass 2 is done). */
  errors(): ErrorCells | undefined {
    return this.errorGrid?.finish();
  }

  finish(): ImageDigest {
    const cells = this.thumbWidth * this.thumbHeight;
    const average = (sums: Float64Array) => {
      const out = new Uint8Array(cells * 4);
      for (let c = 0; c < cells; c++) {
        const n = this.sampleCounts[c] || 1;
        for (let ch = 0; ch < 4; ch++)
          out[c * 4 + ch] = Math.round((sums[c * 4 + ch] as number) / n);
      }
      return out;
    };
    return {
      thumbWidth: this.thumbWidth,
      thumbHeight: this.thumbHeight,
      original: average(this.originalSums),
      quantized: average(this.quantizedSums),
      counts: Array.from(this.counts),
      pointColors: Uint8Array.from(this.pointColors),
      pointEntries: Uint16Array.from(this.pointEntries),
      errors: this.errorGrid?.finish(),
    };
  }
}

/** Adds a pixel of 1-4 channels (grey, grey + alpha, RGB, RGBA) to an RGBA sum. */
function addRgba(
  sums: Float64Array,
  cell: number,
  src: Uint8Array,
  o: number,
  channels: number,
): void {
  const at = cell * 4;
  const grey = channels <= 2;
  const alpha = hasAlphaChannel(channels) ? (src[o + channels - 1] as number) : 255;
  sums[at] = (sums[at] as number) + (src[o] as number);
  sums[at + 1] = (sums[at + 1] as number) + (src[o + (grey ? 0 : 1)] as number);
  sums[at + 2] = (sums[at + 2] as number) + (src[o + (grey ? 0 : 2)] as number);
  sums[at + 3] = (sums[at + 3] as number) + alpha;
}
