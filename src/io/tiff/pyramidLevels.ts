/** Reduced levels stop once both sides are at most this many pixels. */
export const SMALLEST_LEVEL_SIDE = 256;

/** The sizes of a pyramid: the full image, then each level half the one above (rounded up). */
export function pyramidSizes(width: number, height: number): { width: number; height: number }[] {
  const sizes = [{ width, height }];
  let last = sizes[0] as { width: number; height: number };
  while (last.width > SMALLEST_LEVEL_SIDE || last.height > SMALLEST_LEVEL_SIDE) {
    last = { width: Math.ceil(last.width / 2), height: Math.ceil(last.height / 2) };
    sizes.push(last);
  }
  return sizes;
}

/**
 * One row of the level below from two rows of indices (`bottom` undefined for a last odd row):
 * each pixel is the most frequent index of its 2x2 block, ties going to the first of the block
 * in reading order (top-left, top-right, bottom-left, bottom-right). A class map must keep its
 * classes: a mean would invent indices, and a fixed corner would drop thin features more often.
 */
export function reduceIndexRows(
  top: Uint8Array | Uint16Array,
  bottom: Uint8Array | Uint16Array | undefined,
  width: number,
  out: Uint8Array | Uint16Array,
): void {
  const below = bottom ?? top;
  for (let x = 0, o = 0; x < width; x += 2, o++) {
    const right = x + 1 < width ? x + 1 : x;
    out[o] = modeOfFour(
      top[x] as number,
      top[right] as number,
      below[x] as number,
      below[right] as number,
    );
  }
}

/** The most frequent of a, b, c, d; ties to the earliest. */
export function modeOfFour(a: number, b: number, c: number, d: number): number {
  // a wins with two or more (three of another is then impossible, two of another is a tie).
  if (a === b || a === c || a === d) return a;
  // a is alone: b wins with two or more, as c with c === d would only tie it.
  if (b === c || b === d) return b;
  if (c === d) return c;
  return a;
}

/**
 * One row of the level below from two rows of colours (`channels` bytes a pixel; `bottom`
 * undefined for a last odd row): each pixel the mean of its 2x2 block, rounded to nearest.
 */
export function reduceColorRows(
  top: Uint8Array,
  bottom: Uint8Array | undefined,
  width: number,
  channels: number,
  out: Uint8Array,
): void {
  const below = bottom ?? top;
  for (let x = 0, o = 0; x < width; x += 2) {
    const right = (x + 1 < width ? x + 1 : x) * channels;
    const left = x * channels;
    for (let ch = 0; ch < channels; ch++, o++) {
      const sum =
        (top[left + ch] as number) +
        (top[right + ch] as number) +
        (below[left + ch] as number) +
        (below[right + ch] as number);
      out[o] = (sum + 2) >> 2;
    }
  }
}
