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

/** One part's weighted sums (k x d) and masses (k) per cluster. */
export interface Sums {
  sums: Float64Array;
  mass: Float64Array;
}

/**
 * How a run's steps are done. Each step sums the points in parts, added in part order, so that
 * a second thread can take some of the parts and give the same bytes.
 */
export interface Steps {
  bounds: Bounds;
  parts: Sums[];
  /** Loosens the bounds by `drift`, assigns every point to `centers`, sums every part. */
  step(centers: Float64Array, drift: Drift | undefined): number;
  /** Wu's boxes into `centers` (and each point's box into the labels), where available. */
  wuBoxes?: (centers: Float64Array) => boolean;
  /** 2 once a partner thread has done parts of a step. */
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
  const partner = withPartner ? lloydPartnerFor(n, k)?.begin(kernel.partnerJob()) : undefined;
  const partStep = (part: number) =>
    kernel.step(part, ...(kernel.ranges[part] as [number, number]));
  let shared = false;
  return {
    bounds: kernel,
    parts: kernel.parts,
    step(centers, drift) {
      kernel.prepare(centers, drift);
      let changed = 0;
      if (!partner?.ready()) {
        for (let part = 0; part < kernel.parts.length; part++) changed += partStep(part);
        return changed;
      }
      shared = true;
      partner.start();
      const started = performance.now();
      for (let part = partner.take(); part >= 0; part = partner.take()) changed += partStep(part);
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
  const parts: Sums[] = [0, 1].map(() => ({
    sums: new Float64Array(k * d),
    mass: new Float64Array(k),
  }));
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
    parts,
    step: (centers, drift) =>
      half(0, mid, parts[0] as Sums, centers, drift) +
      half(mid, n, parts[1] as Sums, centers, drift),
    threads: 1,
    end: () => {},
  };
}
