import { Rng } from './Rng.js';
import type { RowBand } from '../types.js';

/**
 * Uniform reservoir sample of pixels over a stream of bands (Li's Algorithm L). Each pixel keeps
 * its global index in the stream, so the sample depends on the image and the seed only, never on
 * how the stream was cut into bands. Skips are drawn geometrically, so the cost is O(capacity *
 * log(pixels / capacity)) random numbers rather than one per pixel.
 */
export class ReservoirSampler {
  readonly capacity: number;
  readonly channels: number;
  /** `count` pixels of `channels` samples each, packed. */
  readonly samples: Uint8Array;
  private seen = 0;
  private nextPick = 0;
  private w = 1;
  private readonly rng: Rng;

  constructor(capacity: number, channels: number, seed: number) {
    this.capacity = capacity;
    this.channels = channels;
    this.samples = new Uint8Array(capacity * channels);
    this.rng = new Rng(seed ^ 0x5a17c0de);
  }

  /** Number of pixels held: min(capacity, pixels offered). */
  get count(): number {
    return Math.min(this.seen, this.capacity);
  }

  /** Pixels offered so far. */
  get offered(): number {
    return this.seen;
  }

  offer(band: RowBand): void {
    if (band.channels !== this.channels) {
      throw new Error(`sampler holds ${this.channels} channels, band has ${band.channels}`);
    }
    const c = this.channels;
    const data = band.data;
    const start = this.seen;
    const end = start + band.width * band.height;
    let i = start;
    // Fill phase: the first `capacity` pixels all go in.
    if (i < this.capacity) {
      const take = Math.min(end, this.capacity) - i;
      this.samples.set(data.subarray(0, take * c), i * c);
      i += take;
      if (i === this.capacity) {
        this.w = Math.exp(Math.log(this.rng.nextOpen()) / this.capacity);
        this.nextPick = this.capacity - 1 + this.skip() + 1;
      }
    }
    if (i >= this.capacity) {
      while (this.nextPick < end) {
        const slot = this.rng.int(this.capacity);
        const src = (this.nextPick - start) * c;
        this.samples.set(data.subarray(src, src + c), slot * c);
        this.w *= Math.exp(Math.log(this.rng.nextOpen()) / this.capacity);
        this.nextPick += this.skip() + 1;
      }
    }
    this.seen = end;
  }

  private skip(): number {
    const s = Math.floor(Math.log(this.rng.nextOpen()) / Math.log(1 - this.w));
    return Number.isFinite(s) ? s : Number.MAX_SAFE_INTEGER;
  }
}
