import { Matrix } from 'ml-matrix';

/** Rows `indices` of the flat n-by-channels array `points`, as a matrix. */
export function rowsToMatrix(
  points: Uint8Array | Float64Array,
  channels: number,
  indices: ArrayLike<number>,
): Matrix {
  const m = new Matrix(indices.length, channels);
  for (let r = 0; r < indices.length; r++) {
    const base = (indices[r] as number) * channels;
    for (let ch = 0; ch < channels; ch++) m.set(r, ch, points[base + ch] as number);
  }
  return m;
}

/**
 * Squared Euclidean distances between every row of `a` (m x d) and every row of `b` (k x d), as an
 * m x k matrix, through |a|^2 + |b|^2 - 2ab so that the bulk of the work is one matrix product.
 */
export function squaredDistances(a: Matrix, b: Matrix): Matrix {
  const cross = a.mmul(b.transpose());
  const aNorm = rowSquaredNorms(a);
  const bNorm = rowSquaredNorms(b);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      const d = (aNorm[i] as number) + (bNorm[j] as number) - 2 * cross.get(i, j);
      cross.set(i, j, d > 0 ? d : 0);
    }
  }
  return cross;
}

export function rowSquaredNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.columns; j++) {
      const v = m.get(i, j);
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** For each row of a distance matrix: the column of the smallest entry (lowest on ties) and its value. */
export function argminRows(d: Matrix): { labels: Int32Array; mins: Float64Array } {
  const labels = new Int32Array(d.rows);
  const mins = new Float64Array(d.rows);
  for (let i = 0; i < d.rows; i++) {
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0; j < d.columns; j++) {
      const v = d.get(i, j);
      if (v < best) {
        best = v;
        bestJ = j;
      }
    }
    labels[i] = bestJ;
    mins[i] = best;
  }
  return { labels, mins };
}
