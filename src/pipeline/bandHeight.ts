/**
 * Bytes held per image row while a band is in flight: the band being worked on, the next one being
 * decoded, libvips' own copy of it, and the index band (4 channels assumed, the widest case).
 */
const BYTES_PER_PIXEL_IN_FLIGHT = 16;

/**
 * Rows per band so that the bands in flight fit `memoryBudget` bytes. Rounded down to a multiple
 * of 256 (or 16) so that bands line up with the tiles and strips of typical TIFFs, which are
 * otherwise decoded twice where a band boundary cuts them.
 */
export function chooseBandHeight(width: number, height: number, memoryBudget: number): number {
  let rows = Math.floor(memoryBudget / (width * BYTES_PER_PIXEL_IN_FLIGHT));
  if (rows >= 256) rows -= rows % 256;
  else if (rows >= 16) rows -= rows % 16;
  return Math.max(1, Math.min(height, rows));
}
