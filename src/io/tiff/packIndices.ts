/**
 * Rows of one-byte indices packed to `bits` bits each, most significant first (TIFF's FillOrder
 * 1), every row starting on a byte: what TIFF stores for BitsPerSample 1, 2 and 4.
 */
export function packRows(
  rows: Buffer,
  rowStride: number,
  count: number,
  width: number,
  bits: 1 | 2 | 4,
): Buffer {
  const rowBytes = Math.ceil((width * bits) / 8);
  const out = Buffer.alloc(count * rowBytes);
  for (let r = 0; r < count; r++) packRow(rows, r * rowStride, width, bits, out, r * rowBytes);
  return out;
}

/** One row of `width` indices from `src` at `from`, packed into `dst` (zeroed) at `to`. */
export function packRow(
  src: Buffer,
  from: number,
  width: number,
  bits: 1 | 2 | 4,
  dst: Buffer,
  to: number,
): void {
  const perByte = 8 / bits;
  for (let x = 0; x < width; x++) {
    const at = to + Math.floor(x / perByte);
    const shift = 8 - bits * ((x % perByte) + 1);
    dst[at] = (dst[at] as number) | ((src[from + x] as number) << shift);
  }
}
