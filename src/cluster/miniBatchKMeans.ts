import { Matrix } from 'ml-matrix';
import { kmeansPlusPlus } from './kmeansPlusPlus.js';
import { Rng } from './Rng.js';
import { argminRows, rowsToMatrix, squaredDistances } from './squaredDistances.js';

export interface MiniBatchKMeansOptions {
  /** Number of clusters. */
  k: number;
  /** Number of k-means++ initialisations; the one with the lowest inertia on a validation subset wins. */
  nInit: number;
  /** Points per mini-batch step. */
  batchSize: number;
  /** Upper bound on passes over the data: steps = ceil(maxIter * n / batchSize). */
  maxIter: number;
  /** Stop when the centres move less than this (relative to the data's variance); 0 disables. */
  tol: number;
  /** Stop after this many steps without improvement of the smoothed batch inertia; 0 disables. */
  maxNoImprovement: number;
  /** Centres with less than this fraction of the heaviest centre's weight are reseeded. */
  reassignmentRatio: number;
  seed: number;
  /** Centres that never move (f x channels): the first f of the k; the others are fitted around them. */
  fixed?: Float64Array;
}

export type StopReason = 'tol' | 'no-improvement' | 'max-iter';

export interface KMeansResult {
  /** k x channels, row-major. */
  centers: Float64Array;
  /** Sum of squared distances of every point to its nearest centre. */
  inertia: number;
  steps: number;
  stopReason: StopReason;
}

const ASSIGN_CHUNK = 4096;

/**
 * Mini-batch k-means (Sculley 2010) as scikit-learn's MiniBatchKMeans does it: k-means++ seeding,
 * per-centre learning rates from accumulated counts, random reassignment of starved centres, and
 * early stopping on the exponentially weighted batch inertia. `points` holds n rows of `channels`.
 */
export function miniBatchKMeans(
  points: Uint8Array,
  n: number,
  channels: number,
  options: MiniBatchKMeansOptions,
): KMeansResult {
  const { k, batchSize } = options;
  if (n < k) throw new Error(`need at least k=${k} points, got ${n}`);
  const rng = new Rng(options.seed);
  const centers = bestInitialCenters(points, n, channels, options, rng);
  const fixedCount = options.fixed ? options.fixed.length / channels : 0;

  const counts = new Float64Array(k);
  const totalSteps = Math.max(1, Math.ceil((options.maxIter * n) / batchSize));
  const tol = options.tol * meanVariance(points, n, channels);
  const alpha = Math.min(1, (batchSize * 2) / (n + 1));
  const reassignEvery = Math.max(10, Math.ceil((10 * k) / batchSize));
  const batchIndices = new Int32Array(Math.min(batchSize, n));

  let ewaInertia = NaN;
  let ewaMin = Infinity;
  let noImprovement = 0;
  let stopReason: StopReason = 'max-iter';
  let step = 0;

  while (step < totalSteps) {
    step++;
    for (let i = 0; i < batchIndices.length; i++) batchIndices[i] = rng.int(n);
    const batch = rowsToMatrix(points, channels, batchIndices);
    const { labels, mins } = argminRows(squaredDistances(batch, centers));

    let batchInertia = 0;
    for (let i = 0; i < mins.length; i++) batchInertia += mins[i] as number;
    batchInertia /= batchIndices.length;

    const shift = updateCenters(centers, counts, batch, labels, fixedCount);

    if (step % reassignEvery === 0)
      reassignStarved(centers, counts, batch, options, rng, fixedCount);

    // The first step's inertia says nothing about convergence: centres were just seeded.
    if (step === 1) continue;
    ewaInertia = Number.isNaN(ewaInertia)
      ? batchInertia
      : ewaInertia * (1 - alpha) + batchInertia * alpha;
    if (tol > 0 && shift <= tol) {
      stopReason = 'tol';
      break;
    }
    if (ewaInertia < ewaMin) {
      ewaMin = ewaInertia;
      noImprovement = 0;
    } else if (options.maxNoImprovement > 0 && ++noImprovement >= options.maxNoImprovement) {
      stopReason = 'no-improvement';
      break;
    }
  }

  return {
    centers: Float64Array.from(centers.to1DArray()),
    inertia: inertiaOf(points, n, channels, centers),
    steps: step,
    stopReason,
  };
}

function bestInitialCenters(
  points: Uint8Array,
  n: number,
  channels: number,
  options: MiniBatchKMeansOptions,
  rng: Rng,
): Matrix {
  const initSize = Math.min(n, Math.max(3 * options.batchSize, 3 * options.k));
  const validation = rowsToMatrix(points, channels, randomIndices(n, initSize, rng));
  let best: Matrix | undefined;
  let bestInertia = Infinity;
  for (let run = 0; run < options.nInit; run++) {
    const subset = rowsOf(points, channels, randomIndices(n, initSize, rng));
    const seeds = kmeansPlusPlus(subset, undefined, initSize, channels, options.k, rng, {
      maxPoints: Infinity,
      fixed: options.fixed,
    });
    const centers = new Matrix(options.k, channels);
    for (let j = 0; j < options.k; j++)
      for (let ch = 0; ch < channels; ch++) centers.set(j, ch, seeds[j * channels + ch] as number);
    const { mins } = argminRows(squaredDistances(validation, centers));
    let inertia = 0;
    for (let i = 0; i < mins.length; i++) inertia += mins[i] as number;
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = centers;
    }
  }
  if (!best) throw new Error('nInit must be at least 1');
  return best;
}

/** Moves each centre towards the mean of its batch points with rate 1/count; returns the squared shift. */
function updateCenters(
  centers: Matrix,
  counts: Float64Array,
  batch: Matrix,
  labels: Int32Array,
  fixedCount: number,
): number {
  const k = centers.rows;
  const d = centers.columns;
  const sums = new Float64Array(k * d);
  const batchCounts = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const j = labels[i] as number;
    batchCounts[j] = (batchCounts[j] as number) + 1;
    for (let ch = 0; ch < d; ch++)
      sums[j * d + ch] = (sums[j * d + ch] as number) + batch.get(i, ch);
  }
  let shift = 0;
  for (let j = fixedCount; j < k; j++) {
    const add = batchCounts[j] as number;
    if (add === 0) continue;
    const old = counts[j] as number;
    const total = old + add;
    for (let ch = 0; ch < d; ch++) {
      const before = centers.get(j, ch);
      const after = (before * old + (sums[j * d + ch] as number)) / total;
      centers.set(j, ch, after);
      shift += (after - before) * (after - before);
    }
    counts[j] = total;
  }
  return shift;
}

/** Reseeds centres that attract (almost) nothing onto random points of the current batch. */
export function reassignStarved(
  centers: Matrix,
  counts: Float64Array,
  batch: Matrix,
  options: MiniBatchKMeansOptions,
  rng: Rng,
  fixedCount = 0,
): void {
  let max = 0;
  for (const c of counts) if (c > max) max = c;
  const threshold = options.reassignmentRatio * max;
  const starved: number[] = [];
  let minKept = Infinity;
  for (let j = 0; j < counts.length; j++) {
    if ((counts[j] as number) < threshold) {
      if (j >= fixedCount) starved.push(j);
    } else minKept = Math.min(minKept, counts[j] as number);
  }
  if (starved.length === 0 || !Number.isFinite(minKept)) return;
  const limit = Math.max(1, Math.floor(0.5 * batch.rows));
  for (const j of starved.slice(0, limit)) {
    centers.setRow(j, batch.getRow(rng.int(batch.rows)));
    counts[j] = minKept;
  }
}

function inertiaOf(points: Uint8Array, n: number, channels: number, centers: Matrix): number {
  let total = 0;
  for (let start = 0; start < n; start += ASSIGN_CHUNK) {
    const end = Math.min(n, start + ASSIGN_CHUNK);
    const idx = new Int32Array(end - start);
    for (let i = 0; i < idx.length; i++) idx[i] = start + i;
    const { mins } = argminRows(squaredDistances(rowsToMatrix(points, channels, idx), centers));
    for (let i = 0; i < mins.length; i++) total += mins[i] as number;
  }
  return total;
}

function meanVariance(points: Uint8Array, n: number, channels: number): number {
  let total = 0;
  for (let ch = 0; ch < channels; ch++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = points[i * channels + ch] as number;
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    total += s2 / n - mean * mean;
  }
  return total / channels;
}

/** Rows `indices` of the flat n-by-channels array `points`, packed as doubles. */
function rowsOf(points: Uint8Array, channels: number, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length * channels);
  for (let r = 0; r < indices.length; r++)
    for (let ch = 0; ch < channels; ch++)
      out[r * channels + ch] = points[(indices[r] as number) * channels + ch] as number;
  return out;
}

/** `count` distinct indices from [0, n), by a partial Fisher-Yates shuffle when sparse enough. */
function randomIndices(n: number, count: number, rng: Rng): Int32Array {
  const out = new Int32Array(count);
  if (count >= n) {
    for (let i = 0; i < count; i++) out[i] = i;
    return out;
  }
  const chosen = new Set<number>();
  let o = 0;
  while (o < count) {
    const i = rng.int(n);
    if (chosen.has(i)) continue;
    chosen.add(i);
    out[o++] = i;
  }
  return out;
}
