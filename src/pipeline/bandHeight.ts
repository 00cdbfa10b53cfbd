/**
 * Bytes held per image row while a band is in flight: the band being worked on, the next one being
 * decoded, libvips' own copy of it, and the index band (4 channels assumed, the widest case).
 */
const BYTES_PER_PIXEL_IN_FLIGHT = 16;

/**
 * How far over the budget a band may go to line up with the input's tiles, so that each tile is
 * decoded fewer times: a whole tile row decoded once instead of twice, or, where a tile row is
 * more than twice the budget, half of one (each tile decoded twice) instead of a quarter (four
 * times). That much memory is worth it; not more. A 120591 x 8192 image of 128-row tiles (the
 * width of the 8 Gpx bench) with 64-row bands instead of 32: 35 s instead of 56, 442 MiB
 * instead of 380 (--band-height, one run each).
 */
const TILE_ROW_STRETCH = 2;

/**
 * Rows per band so that the bands in flight fit `memoryBudget` bytes, cut where the input's tiles
 * or strips are (`chunkRows`): libvips decodes every tile a band touches, so a band boundary
 * through a tile row decodes it again for the next band (with 64-row bands over 128-row tiles,
 * twice). A band is whole tile rows when they fit the budget; otherwise the largest divisor of
 * the tile height within TILE_ROW_STRETCH times the budget, so that no band straddles two tile
 * rows. Without `chunkRows`, a multiple of 256 (or 16), which lines up with the tiles and strips
 * of typical files.
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
    else rows = largestDivisorUpTo(chunkRows, rows * TILE_ROW_STRETCH);
  } else if (rows >= 256) rows -= rows % 256;
  else if (rows >= 16) rows -= rows % 16;
  return Math.max(1, Math.min(height, rows));
}

/** The largest divisor of `n` that is at most `limit` (at least 1). */
function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.max(1, Math.min(n, limit)); d > 1; d--) if (n % d === 0) return d;
  return 1;
}
