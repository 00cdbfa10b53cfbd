/** Small vector helpers over packed rows of Float64Arrays (row o..o+d). */

export function sqDist(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  d: number,
): number {
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
