import { packColor } from '../model/palette.js';
import type { RowBand } from '../types.js';

/**
 * Counts the distinct colours of a stream until there are more than `limit` of them. When an image
 * has no more than k colours, k-means is pointless: the palette is exactly those colours and the
 * result is lossless. Gives up (and costs nothing more) as soon as the limit is passed.
 */
export class DistinctColorCounter {
  private readonly limit: number;
  private readonly seen = new Set<number>();
  private overflowed = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** True once the stream has shown more than `limit` colours. */
  get exceeded(): boolean {
    return this.overflowed;
  }

  offer(band: RowBand): void {
    if (this.overflowed) return;
    const { data, channels: c } = band;
    const n = band.width * band.height;
    let last = -1;
    for (let p = 0, o = 0; p < n; p++, o += c) {
      const key = packColor(data, o, c);
      if (key === last) continue;
      last = key;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        if (this.seen.size > this.limit) {
          this.overflowed = true;
          this.seen.clear();
          return;
        }
      }
    }
  }

  /** The distinct colours, packed `channels` bytes each, in no particular order. */
  colors(channels: number): Uint8Array {
    if (this.overflowed) throw new Error('more distinct colours than the limit');
    const out = new Uint8Array(this.seen.size * channels);
    let o = 0;
    for (const key of this.seen) {
      for (let ch = 0; ch < channels; ch++) out[o++] = (key >>> (8 * ch)) & 255;
    }
    return out;
  }
}
