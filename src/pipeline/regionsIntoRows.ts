import type { IndexBand, IndexWriter } from '../types.js';

/**
 * A writer of rows (PNG, `.npy`, TIFF strips) fed by regions one row of input tiles tall, which
 * arrive left to right: their indices are gathered into that row of tiles and written as one
 * band when its last region comes. At one byte a pixel, the row of tiles is a third of the
 * decoded row of tiles the rows path holds, several at a time (77 MB each at 100000 px wide).
 */
export function regionsIntoRows(
  writer: IndexWriter,
  width: number,
): Required<Pick<IndexWriter, 'writeRegion'>> {
  let rows: Uint8Array | Uint16Array | undefined;
  let filled = 0;
  return {
    async writeRegion(region: IndexBand & { left: number }): Promise<void> {
      const { indices, left, height } = region;
      const size = width * height;
      if (!rows || rows.constructor !== indices.constructor || rows.length < size)
        rows = indices instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
      for (let r = 0; r < height; r++)
        rows.set(indices.subarray(r * region.width, (r + 1) * region.width), r * width + left);
      filled += region.width;
      if (filled < width) return;
      filled = 0;
      await writer.write({ y: region.y, height, width, indices: rows.subarray(0, size) });
    },
  };
}
