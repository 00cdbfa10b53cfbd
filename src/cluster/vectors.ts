/** Small vector helpers over packed rows of Float64Arrays (row o..o+d). */

export function sqDist(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  d: number,
): number {
  // Colours are 3-vectors almost always; unrolled, the hot loops that call this run faster.
  // Same additions in the same order as the loop, so results are bit-identical either way.
  if (d === 3) {
    const e0 = (a[ao] as number) - (b[bo] as number);
    const e1 = (a[ao + 1] as number) - (b[bo + 1] as number);
    const e2 = (a[ao + 2] as number) - (b[bo + 2] as number);
    return e0 * e0 + e1 * e1 + e2 * e2;
  }
  let s = 0;
  for (let ch = 0; ch < d; ch++) {
    const diff = (a[ao + ch] as number) - (b[bo + ch] as number);
    s += diff * diff;
  }
  return s;
}

export function dot(a: Float64Array, ao: number, axis: Float64Array, d: number): number {
  let s = 0;
  for (let ch = 0; ch < d; ch++) s += (a[ao + ch] as number) * (axis[ch] as number);
  return s;
}
