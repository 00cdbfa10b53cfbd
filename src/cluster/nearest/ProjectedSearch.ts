import { principalAxis } from '../principalAxis.js';
import { firstAtOrAbove } from '../sortedSearch.js';

/** The answer of one search: the nearest centre, its squared distance, and the runner-up's. */
export interface Nearest {
  index: number;
  distance: number;
  second: number;
}

/**
 * Exact nearest centre (squared Euclidean distance, lowest index on ties), and the distance of
 * the second nearest: the centres sorted along their principal axis, searched outwards from the
 * point's projection until the projected gap alone exceeds what is still wanted (a projection on
 * a unit vector never exceeds the true distance). `wantSecond` false stops at the nearest.
 */
export class ProjectedSearch {
  private readonly axis: Float64Array;
  private readonly order: Int32Array;
  private readonly sortedProj: Float64Array;

  constructor(
    private readonly centers: ArrayLike<number>,
    private readonly k: number,
    private readonly d: number,
    axis?: Float64Array,
  ) {
    this.axis =
      axis ?? principalAxis(Float64Array.from(centers), new Float64Array(k).fill(1), k, d);
    const proj = Float64Array.from({ length: k }, (_, j) => this.project(centers, j * d));
    this.order = Int32Array.from({ length: k }, (_, j) => j).sort(
      (a, b) => (proj[a] as number) - (proj[b] as number) || a - b,
    );
    this.sortedProj = Float64Array.from(this.order, (j) => proj[j] as number);
  }

  project(values: ArrayLike<number>, offset: number): number {
    let s = 0;
    for (let ch = 0; ch < this.d; ch++)
      s += (values[offset + ch] as number) * (this.axis[ch] as number);
    return s;
  }

  nearest(point: ArrayLike<number>, offset: number, wantSecond: boolean, out: Nearest): Nearest {
    const { k, order, sortedProj } = this;
    const p = this.project(point, offset);
    const lo = firstAtOrAbove(sortedProj, k, p);
    let best = Infinity;
    let bestJ = -1;
    let second = Infinity;
    let up = lo;
    let down = lo - 1;
    // Projections are rounded: a slack well above rounding error keeps the bound safe, so that a
    // tie at a lower index is never cut off.
    while (up < k || down >= 0) {
      const bound = (wantSecond ? second : best) + 1e-6;
      if (up < k) {
        const gap = (sortedProj[up] as number) - p;
        if (gap * gap > bound) up = k;
        else {
          const j = order[up] as number;
          const dd = this.distance(point, offset, j);
          if (dd < best || (dd === best && j < bestJ)) {
            second = best;
            best = dd;
            bestJ = j;
          } else if (dd < second) second = dd;
          up++;
        }
      }
      if (down >= 0) {
        const gap = p - (sortedProj[down] as number);
        if (gap * gap > bound) down = -1;
        else {
          const j = order[down] as number;
          const dd = this.distance(point, offset, j);
          if (dd < best || (dd === best && j < bestJ)) {
            second = best;
            best = dd;
            bestJ = j;
          } else if (dd < second) second = dd;
          down--;
        }
      }
    }
    out.index = bestJ;
    out.distance = best;
    out.second = second;
    return out;
  }

  private distance(point: ArrayLike<number>, offset: number, j: number): number {
    const { d, centers } = this;
    let s = 0;
    for (let ch = 0; ch < d; ch++) {
      const diff = (point[offset + ch] as number) - (centers[j * d + ch] as number);
      s += diff * diff;
    }
    return s;
  }
}
