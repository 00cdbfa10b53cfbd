/** A horizontal strip of the image: `height` full rows of 8-bit samples, `channels` per pixel. */
export interface RowBand {
  y: number;
  height: number;
  width: number;
  channels: number;
  data: Uint8Array;
}

/** Colours packed row-major: entry i occupies `colors[i*channels .. i*channels+channels)`. */
export interface Palette {
  size: number;
  channels: number;
  colors: Uint8Array;
}

/** One palette index per pixel for a band of rows. */
export interface IndexBand {
  y: number;
  height: number;
  width: number;
  indices: Uint8Array | Uint16Array;
}

/** Decides, from the finished file under its temporary name, whether it goes into place. */
export type KeepOutput = (tempPath: string) => Promise<boolean>;

/** A streaming sink for index bands. Awaiting `write()` is the backpressure. */
export interface IndexWriter {
  write(band: IndexBand): Promise<void>;
  /**
   * Writers of tiled files may take regions of whole `regionTile`-pixel tiles instead of rows,
   * in any order, each tile once (see TiffWriter.writeRegion).
   */
  readonly regionTile?: number;
  writeRegion?(band: IndexBand & { left: number }): Promise<void>;
  /**
   * Finishes the file and moves it to its final name, unless `keep` (given the finished file
   * under its temporary name) says no: then it is dropped. Resolves true when the file is in place.
   */
  close(keep?: KeepOutput): Promise<boolean>;
  /** Drops everything written so far; nothing is left under any name. */
  abort(err: Error): Promise<void>;
}

/**
 * Progress of one image: `spool` decodes a sequential format to a temporary file (no row counts
 * are known until it ends), `fit` is pass 1, `cluster` is k-means on the sample (no rows),
 * `apply` is pass 2.
 */
export interface ProgressEvent {
  phase: 'spool' | 'fit' | 'cluster' | 'apply';
  rowsDone: number;
  rows: number;
}

/** Where colours are compared: sRGB values, or OKLab (perceptual; RGB images only). */
export type ColorSpace = 'rgb' | 'oklab';

/** One task's share of a job split over several: the `index`-th (from 0) of `count`. */
export interface Share {
  index: number;
  count: number;
}
