import { performance } from 'node:perf_hooks';
import type { LloydKernel } from './kernels/LloydKernel.js';
import { lloydPartnerFor } from './kernels/LloydPartner.js';
import { accumulate, assignBounded, loosenBounds, type Bounds, type Drift } from './lloydStep.js';
import { principalAxis } from './principalAxis.js';

/** The points of one fit. */
export interface FitData {
  points: Float64Array;
  weights: Float64Array;
  n: number;
  d: number;
  /** Sum of weight x |point|^2: inertia = this - sum over clusters of |sum|^2 / mass. */
  squaredNorms: number;
}

/** One half's weighted sums (k x d) and masses (k) per cluster. */
export interface Sums {
  sums: Float64Array;
  mass: Float64Array;
}

/**
 * How a run's steps are done. Each step sums the points in two halves, added in one order, so
 * that a second thread could take one half and give the same bytes.
 */
export interface Steps {
  bounds: Bounds;
  halves: [Sums, Sums];
  /** Loosens the bounds by `drift`, assigns every point to `centers`, sums both halves. */
  step(centers: Float64Array, drift: Drift | undefined): number;
  /** Wu's boxes into `centers` (and each point's box into the labels), where available. */
  wuBoxes?: (centers: Float64Array) => boolean;
  /** 2 once a partner thread has done the second half of a step. */
  threads: 1 | 2;
  /** Lets the partner thread and the kernels' memory go (never to be reused when `lost`). */
  end(lost?: boolean): void;
}

export function kernelSteps(
  kernel: LloydKernel,
  n: number,
  k: number,
  withPartner: boolean,
): Steps {
  const mid = n >> 1;
  const partner = withPartner ? lloydPartnerFor(n, k)?.begin(kernel.partnerJob(mid, n)) : undefined;
  let shared = false;
  return {
    bounds: kernel,
    halves: kernel.halves,
    step(centers, drift) {
      kernel.prepare(centers, drift);
      if (!partner?.ready()) return kernel.step(0, 0, mid) + kernel.step(1, mid, n);
      shared = true;
      partner.start();
      const started = performance.now();
      const changed = kernel.step(0, 0, mid);
      return changed + partner.finish(performance.now() - started);
    },
    wuBoxes: (centers) => kernel.wuBoxes(centers),
    get threads() {
      return shared ? 2 : 1;
    },
    end: (lost) => {
      if (lost) return kernel.abandon();
      partner?.end();
      kernel.release();
    },
  };
}

/** Steps in TypeScript, for data other than colours. */
export function scriptSteps(data: FitData, k: number): Steps {
  const { points, weights, n, d } = data;
  const mid = n >> 1;
  const axis = principalAxis(points, weights, n, d);
  const bounds: Bounds = {
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
  };
  const halves: [Sums, Sums] = [0, 1].map(() => ({
    sums: new Float64Array(k * d),
    mass: new Float64Array(k),
  })) as [Sums, Sums];
  const half = (from: number, to: number, acc: Sums, centers: Float64Array, drift?: Drift) => {
    if (drift) loosenBounds(bounds, drift, from, to);
    const changed = assignBounded(points, axis, d, centers, bounds, from, to);
    acc.sums.fill(0);
    acc.mass.fill(0);
    accumulate(points, weights, d, bounds.labels, from, to, acc.sums, acc.mass);
    return changed;
  };
  return {
    bounds,
    halves,
    step: (centers, drift) =>
      half(0, mid, halves[0], centers, drift) + half(mid, n, halves[1], centers, drift),
    threads: 1,
    end: () => {},
  };
}
