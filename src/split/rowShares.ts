/**
 * The rows of share `index` of `count` of an image `height` rows high, cut at chunk boundaries
 * (`chunkRows`: a tile's height or a strip's rows) so that each share compresses whole chunks,
 * and as even as whole chunks allow. Shares past the number of chunks are empty.
 */
export function rowShare(
  height: number,
  chunkRows: number,
  index: number,
  count: number,
): { from: number; to: number } {
  const chunks = Math.ceil(height / chunkRows);
  const first = Math.floor((index * chunks) / count);
  const end = Math.floor(((index + 1) * chunks) / count);
  return { from: Math.min(height, first * chunkRows), to: Math.min(height, end * chunkRows) };
}
