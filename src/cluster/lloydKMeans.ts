import { LloydKernel } from './kernels/LloydKernel.js';
import { PartnerLostError } from './kernels/LloydPartner.js';
import type { Drift } from './lloydStep.js';
import { driftOf, massOf, meansOf, overRelaxed, type Means } from './lloydMeans.js';
import { kernelSteps, scriptSteps, type FitData, type Steps, type Sums } from './lloydSteps.js';
import { sqDist } from './vectors.js';
import { kmeansPlusPlus } from './kmeansPlusPlus.js';
import { Rng } from './Rng.js';

export interface LloydKMeansOptions {
  k: number;
  /** Runs from different starts; the one with the lowest inertia wins. */
  nInit: number;
  maxIter: number;
  /** Stop when a step lowers the inertia by less than this fraction of it (0: never). */
  tol: number;
  seed: number;
  /**
   * Centres that never move (f x d): the first f of the k. They attract points like the others;
   * the other k - f are fitted around them.
   */
  fixed?: Float64Array;
}

export interface LloydResult {
  /** k x d, row-major: the means of the final assignment. */
  centers: Float64Array;
  /** Weighted sum of squared distances of every point to its centre in the final assignment. */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  steps: number;
  stopReason: 'converged' | 'tol' | 'max-iter';
  /** Threads the steps ran on (2 with the partner thread). */
  threads: 1 | 2;
}

/**
 * Weighted k-means (Lloyd's algorithm) over points with weights: run on the distinct colours of an
 * image weighted by their pixel counts, this is exactly k-means over every pixel. Colours (d = 3)
 * run on the WebAssembly kernels (kernels/): the first run starts from Wu's variance-splitting
 * boxes, and assignment skips the points that cannot change cluster (Hamerly's bounds) and
 * searches the others among their centre's nearest neighbours. Other runs, and other data (grey
 * levels: at most 256 points), start from k-means++ seeds. Steps are over-relaxed.
 */
export function lloydKMeans(
  points: Float64Array,
  weights: Float64Array,
  n: number,
  d: number,
  options: LloydKMeansOptions,
): LloydResult {
  let squaredNorms = 0;
  for (let i = 0; i < n * d; i++)
    squaredNorms += (weights[(i / d) | 0] as number) * (points[i] as number) ** 2;
  const data: FitData = { points, weights, n, d, squaredNorms };
  try {
    return fit(data, options, true);
  } catch (err) {
    // Its memory may still be written by a thread that is only slow: the run starts over
    // alone on fresh memory, and gives the bytes it would have given with the partner.
    if (!(err instanceof PartnerLostError)) throw err;
    return fit(data, options, false);
  }
}

function fit(data: FitData, options: LloydKMeansOptions, withPartner: boolean): LloydResult {
  const { k } = options;
  const steps: Steps =
    data.d === 3
      ? kernelSteps(new LloydKernel(data.points, data.weights, data.n, k), data.n, k, withPartner)
      : scriptSteps(data, k);
  let lost = false;
  try {
    return { ...runs(data, steps, options, new Rng(options.seed)), threads: steps.threads };
  } catch (err) {
    lost = err instanceof PartnerLostError;
    throw err;
  } finally {
    steps.end(lost);
  }
}

/** nInit runs from different starts; the lowest inertia wins. */
function runs(
  data: FitData,
  steps: Steps,
  options: LloydKMeansOptions,
  rng: Rng,
): Omit<LloydResult, 'threads'> {
  const { points, weights, n, d } = data;
  const { k } = options;
  let best: Omit<LloydResult, 'threads'> | undefined;
  for (let run = 0; run < options.nInit; run++) {
    let seeds: Float64Array | undefined;
    // Wu's boxes cut the colour space without regard to centres given beforehand.
    if (run === 0 && steps.wuBoxes && !options.fixed) {
      const boxes = new Float64Array(k * d);
      if (steps.wuBoxes(boxes)) seeds = boxes;
    }
    if (seeds) {
      // Points start in their box; nothing is known of distances yet.
      steps.bounds.upper.fill(Infinity);
      steps.bounds.lower.fill(0);
    } else {
      seeds = kmeansPlusPlus(points, weights, n, d, k, rng, { fixed: options.fixed });
      steps.bounds.labels.fill(-1);
    }
    const result = lloyd(data, steps, seeds, options);
    if (!best || result.inertia < best.inertia) best = result;
  }
  if (!best) throw new Error('nInit must be at least 1');
  return best;
}

function lloyd(
  data: FitData,
  steps: Steps,
  initial: Float64Array,
  { maxIter, tol, fixed }: LloydKMeansOptions,
): Omit<LloydResult, 'threads'> {
  const { d } = data;
  const k = initial.length / d;
  let centers = initial;
  let drift: Drift | undefined;
  let stopReason: LloydResult['stopReason'] = 'max-iter';
  let count = 0;
  /** The means and inertia of the last step that did not raise the inertia. */
  let kept: Means | undefined;
  let plainStep = true;
  for (let iter = 0; iter < maxIter; iter++) {
    count++;
    const changed = steps.step(centers, drift);
    const step = meansOf(steps.parts, data, k, steps.bounds.upper, centers);
    if (fixed) pinFixed(step, steps.parts, fixed, d);
    let next: Float64Array;
    if (kept && step.inertia > kept.inertia) {
      // A plain step can raise it only by rounding: nothing is left to gain.
      if (plainStep) {
        stopReason = 'converged';
        break;
      }
      // Over-relaxed too far: Lloyd's own step from the last good means cannot raise it.
      next = kept.means;
      plainStep = true;
    } else {
      const gain = kept ? (kept.inertia - step.inertia) / step.inertia : Infinity;
      kept = step;
      if (changed === 0 && plainStep && iter > 0) {
        stopReason = 'converged';
        break;
      }
      if (gain < tol) {
        stopReason = 'tol';
        break;
      }
      // With no label changed the means are final for these labels: one plain step confirms.
      plainStep = changed === 0;
      next = plainStep ? step.means : overRelaxed(centers, step, k, d);
      if (fixed) next.set(fixed, 0);
    }
    drift = driftOf(centers, next, k, d);
    centers = next;
  }
  if (!kept) throw new Error('maxIter must be at least 1');
  return { centers: kept.means, inertia: kept.inertia, steps: count, stopReason };
}

/**
 * Puts the fixed centres back where they were, and counts their points' inertia about them (the
 * means' inertia plus mass x the squared distance from mean to centre).
 */
function pinFixed(step: Means, parts: Sums[], fixed: Float64Array, d: number): void {
  for (let j = 0; j < fixed.length / d; j++) {
    const mass = massOf(parts, j);
    if (mass > 0) step.inertia += mass * sqDist(step.means, j * d, fixed, j * d, d);
    step.relocated[j] = 0;
  }
  step.means.set(fixed, 0);
}
