import type { PartnerJob } from './lloydPartnerProtocol.js';
import type { Drift } from '../lloydStep.js';
import { kernelModule, KernelUser } from '../../runtime/kernelMemory.js';

/** Must match NEIGHBOURS in native/kernels.h. */
const NEIGHBOURS = 24;
/** Bytes of the Step block: 18 four-byte fields, then two doubles (checked in native/lloyd.c). */
const STEP_BYTES = 88;
/** Where the Step block's doubles start. */
const STEP_DOUBLES = 72;
/** The partner thread's stack (the kernels use a few hundred bytes). */
const PARTNER_STACK_BYTES = 64 * 1024;

/** The sums (k x 3) and masses (k) one part of a step writes. */
export interface PartSums {
  sums: Float64Array;
  mass: Float64Array;
}

/**
 * Parts a step's points are cut in, each summed apart and the sums added in part order, so that
 * the threads can take parts as they go and give the bytes one thread gives: enough parts that
 * the last one taken keeps the other thread waiting little, at most 2 MiB of sums.
 */
function partsFor(k: number): number {
  return Math.max(2, Math.min(16, Math.floor((2 * 1024 * 1024) / (k * 32))));
}

/**
 * One k-means run's arrays in the kernels' memory: the points and weights (copied in), each
 * point's label and Hamerly bounds, the centres, and a Step block for each part of the points,
 * each summing into its own arrays.
 */
export class LloydKernel extends KernelUser {
  readonly labels: Int32Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly parts: PartSums[];
  /** Each part's points: from..to-1. */
  readonly ranges: [number, number][];
  private readonly centers: Float64Array;
  private readonly moved: Float64Array;
  private readonly steps: number[];
  private readonly at: Record<
    'points' | 'weights' | 'labels' | 'centers' | 'wuScratch' | 'partnerStackTop',
    number
  >;

  constructor(
    points: Float64Array,
    weights: Float64Array,
    private readonly n: number,
    private readonly k: number,
  ) {
    super();
    const { exports, heap } = this;
    const alloc = (bytes: number) => heap.alloc(bytes);
    const count = partsFor(k);
    const each = (bytes: number) => Array.from({ length: count }, () => alloc(bytes));
    const at = {
      points: alloc(n * 24),
      weights: alloc(n * 8),
      labels: alloc(n * 4),
      upper: alloc(n * 8),
      lower: alloc(n * 8),
      centers: alloc(k * 24),
      half: alloc(k * 8),
      near: alloc(k * NEIGHBOURS * 4),
      nearDist: alloc(k * NEIGHBOURS * 8),
      beyond: alloc(k * 8),
      moved: alloc(k * 8),
      nearMove: alloc(k * 8),
      steps: each(STEP_BYTES),
      sums: each(k * 24),
      mass: each(k * 8),
      wuScratch: alloc(exports.wuScratchBytes(n, k)),
      partnerStackTop: alloc(PARTNER_STACK_BYTES) + PARTNER_STACK_BYTES,
    };
    const buffer = heap.commit();
    const f64 = (start: number, length: number) => new Float64Array(buffer, start, length);
    f64(at.points, n * 3).set(points.subarray(0, n * 3));
    f64(at.weights, n).set(weights.subarray(0, n));
    this.labels = new Int32Array(buffer, at.labels, n);
    this.upper = f64(at.upper, n);
    this.lower = f64(at.lower, n);
    this.centers = f64(at.centers, k * 3);
    this.moved = f64(at.moved, k);
    this.parts = at.steps.map((_, p) => ({
      sums: f64(at.sums[p] as number, k * 3),
      mass: f64(at.mass[p] as number, k),
    }));
    this.ranges = at.steps.map((_, p) => [
      Math.floor((p * n) / count),
      Math.floor(((p + 1) * n) / count),
    ]);
    this.steps = at.steps;
    at.steps.forEach((step, p) => {
      new Int32Array(buffer, step, 17).set([
        at.points,
        at.weights,
        at.labels,
        at.upper,
        at.lower,
        at.centers,
        k,
        at.half,
        at.near,
        at.nearDist,
        at.beyond,
        at.moved,
        -1,
        0,
        at.sums[p] as number,
        at.mass[p] as number,
        at.nearMove,
      ]);
    });
    this.at = at;
  }

  /**
   * Wu's boxes as the start: writes the centres (k x 3) into `centers` and each point's box into
   * `labels`. False when fewer than k boxes could be made.
   */
  wuBoxes(centers: Float64Array): boolean {
    this.current();
    const { at, n, k } = this;
    const made = this.exports.wu(at.points, at.weights, n, k, at.centers, at.labels, at.wuScratch);
    centers.set(this.centers);
    return made === k;
  }

  /** What a partner thread needs to take parts of the steps on its own instance. */
  partnerJob(): Omit<PartnerJob, 'ctrl'> {
    this.current();
    return {
      module: kernelModule(),
      memory: this.memory,
      steps: this.steps,
      from: this.ranges.map(([from]) => from),
      to: this.ranges.map(([, to]) => to),
      stackTop: this.at.partnerStackTop,
    };
  }

  /**
   * Loosens the bounds by `drift`, assigns points from..to-1 to `centers` and sums them into
   * `parts[part]`; returns how many labels changed. `prepare` must have run for these centres.
   */
  step(part: number, from: number, to: number): number {
    return this.exports.step(this.steps[part] as number, from, to);
  }

  /** Takes the step's centres and how far they moved from the last step's (none: first step). */
  prepare(centers: Float64Array, drift: Drift | undefined): void {
    this.current();
    this.centers.set(centers);
    const { buffer } = this.memory;
    for (const step of this.steps) {
      const fields = new Int32Array(buffer, step, 16);
      fields[12] = drift ? drift.mostJ : -1;
      fields[13] = drift ? 1 : 0;
      const moves = new Float64Array(buffer, step + STEP_DOUBLES, 2);
      moves[0] = drift ? drift.most : 0;
      moves[1] = drift ? drift.secondMost : 0;
    }
    if (drift) this.moved.set(drift.moved);
    this.exports.neighbours(this.steps[0] as number);
  }
}
