/** The points gathered into a cellsPerAxis^d grid over their range, each cell at its weighted mean. */
export function gridCells(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  cellsPerAxis: number,
): { points: Float64Array; weights: Float64Array; count: number } {
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < d; ch++) {
      const v = points[i * d + ch] as number;
      if (v < (min[ch] as number)) min[ch] = v;
      if (v > (max[ch] as number)) max[ch] = v;
    }
  }
  const cellOf = new Map<number, number>();
  const sums: number[] = [];
  const mass: number[] = [];
  for (let i = 0; i < n; i++) {
    let key = 0;
    for (let ch = 0; ch < d; ch++) {
      const span = (max[ch] as number) - (min[ch] as number) || 1;
      const cell = Math.min(
        cellsPerAxis - 1,
        Math.floor((((points[i * d + ch] as number) - (min[ch] as number)) / span) * cellsPerAxis),
      );
      key = key * cellsPerAxis + cell;
    }
    let c = cellOf.get(key);
    if (c === undefined) {
      c = mass.length;
      cellOf.set(key, c);
      mass.push(0);
      for (let ch = 0; ch < d; ch++) sums.push(0);
    }
    const w = weights[i] as number;
    mass[c] = (mass[c] as number) + w;
    for (let ch = 0; ch < d; ch++)
      sums[c * d + ch] = (sums[c * d + ch] as number) + w * (points[i * d + ch] as number);
  }
  const out = new Float64Array(mass.length * d);
  for (let c = 0; c < mass.length; c++)
    for (let ch = 0; ch < d; ch++)
      out[c * d + ch] = (sums[c * d + ch] as number) / (mass[c] as number);
  return { points: out, weights: Float64Array.from(mass), count: mass.length };
}
