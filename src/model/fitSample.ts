/**
 * A fit that counts part of a big image (`fitMpx`): one unit in every `every` (a tile, or a few
 * rows), picked at random from the seed within each run of `every` units in the image's order.
 * So the units counted spread evenly over the image, the same seed picks the same ones, and a
 * task that counts some rows of the image (a split job) counts the units among them that the
 * whole image's count does.
 */
export interface FitSample {
  every: number;
  seed: number;
}

const PIXELS_PER_MEGAPIXEL = 1e6;

/** Undefined (count every pixel) unless the image has at least twice `megapixels`. */
export function fitSampleFor(
  pixels: number,
  megapixels: number | undefined,
  seed: number,
): FitSample | undefined {
  if (megapixels === undefined) return undefined;
  const every = Math.floor(pixels / (megapixels * PIXELS_PER_MEGAPIXEL));
  return every >= 2 ? { every, seed } : undefined;
}

/**
 * The sample for an image of `units` units: one in every `units` at most, so that a whole run
 * (and so at least one unit) is counted however few units the image has. Undefined when that
 * is every unit.
 */
export function forUnits(sample: FitSample | undefined, units: number): FitSample | undefined {
  if (!sample) return undefined;
  const every = Math.min(sample.every, units);
  return every >= 2 ? { every, seed: sample.seed } : undefined;
}

/** Whether unit `unit` (numbered from 0 over the whole image) is counted. */
export function counted(sample: FitSample | undefined, unit: number): boolean {
  if (!sample) return true;
  const run = Math.floor(unit / sample.every);
  return unit - run * sample.every === mix(sample.seed, run) % sample.every;
}

/** MurmurHash3's finaliser over the seed and the run: neighbouring runs pick unrelated units. */
function mix(seed: number, run: number): number {
  let h = (Math.imul(run + 1, 0x9e3779b1) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
