/**
 * Bytes held per image row while a band is in flight: the band being worked on, the next one being
 * decoded, libvips' own copy of it, and the index band (4 channels assumed, the widest case).
 */
const BYTES_PER_PIXEL_IN_FLIGHT = 16;

/**
 * How far over the budget a band may go to hold one whole row of the input's tiles: decoding
 * each tile once instead of twice is worth that much memory, not more.
 */
const TILE_ROW_STRETCH = 2;

/**
 * Rows per band so that the bands in flight fit `memoryBudget` bytes, cut where the input's tiles
 * or strips are (`chunkRows`): libvips decodes every tile a band touches, so a band boundary
 * through a tile row decodes it again for the next band (with 64-row bands over 128-row tiles,
 * twice). A band holds whole tile rows when one fits in twice the budget; otherwise it is a
 * divisor of the tile height, so that each tile is decoded a whole number of times and no band
 * straddles two tile rows. Without `chunkRows`, a multiple of 256 (or 16), which lines up with
 * the tiles and strips of typical files.
 */
export function chooseBandHeight(
  width: number,
  height: number,
  memoryBudget: number,
  chunkRows?: number,
): number {
  let rows = Math.floor(memoryBudget / (width * BYTES_PER_PIXEL_IN_FLIGHT));
  if (chunkRows !== undefined && chunkRows > 1 && chunkRows < height) {
    if (rows >= chunkRows) rows -= rows % chunkRows;
    else if (rows * TILE_ROW_STRETCH >= chunkRows) rows = chunkRows;
    else rows = largestDivisorUpTo(chunkRows, rows);
  } else if (rows >= 256) rows -= rows % 256;
  else if (rows >= 16) rows -= rows % 16;
  return Math.max(1, Math.min(height, rows));
}

/** The largest divisor of `n` that is at most `limit` (at least 1). */
function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.max(1, Math.min(n, limit)); d > 1; d--) if (n % d === 0) return d;
  return 1;
}
