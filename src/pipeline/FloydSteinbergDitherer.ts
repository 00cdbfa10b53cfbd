import type { NearestColorMatcher } from '../cluster/nearest/NearestColorMatcher.js';
import type { Palette, RowBand } from '../types.js';

/**
 * Floyd-Steinberg error diffusion, serpentine (rows alternate direction by their row number in
 * the image), streamed: the error owed to the next row is carried from band to band, so the output
 * is the same for any band height. `strength` scales the diffused error (1 = classic FS).
 */
export class FloydSteinbergDitherer {
  private readonly channels: number;
  private readonly colors: Uint8Array;
  /** Error carried into the row being done, and owed to the row after it: width x channels. */
  private current: Float32Array;
  private next: Float32Array;
  private readonly pixel: Uint8Array;

  constructor(
    palette: Palette,
    private readonly width: number,
    private readonly strength: number,
    private readonly matcher: NearestColorMatcher,
  ) {
    this.channels = palette.channels;
    this.colors = palette.colors;
    this.current = new Float32Array(width * this.channels);
    this.next = new Float32Array(width * this.channels);
    this.pixel = new Uint8Array(this.channels);
  }

  /**
   * Indices for every pixel of the band into `out`; returns the squared error against the band.
   * Pixels `masked` marks get its index, add no error, and neither take nor pass on any.
   */
  process(
    band: RowBand,
    out: Uint8Array | Uint16Array,
    masked?: { mask: Uint8Array; index: number },
  ): number {
    const { width, channels: c, colors, pixel, strength } = this;
    const data = band.data;
    let sse = 0;
    for (let r = 0; r < band.height; r++) {
      const y = band.y + r;
      const leftToRight = y % 2 === 0;
      const step = leftToRight ? 1 : -1;
      const rowStart = r * width;
      this.next.fill(0);
      const cur = this.current;
      const nxt = this.next;
      for (let i = 0; i < width; i++) {
        const x = leftToRight ? i : width - 1 - i;
        if (masked?.mask[rowStart + x]) {
          out[rowStart + x] = masked.index;
          continue;
        }
        const o = (rowStart + x) * c;
        const e = x * c;
        for (let ch = 0; ch < c; ch++) {
          const v = Math.round((data[o + ch] as number) + (cur[e + ch] as number));
          pixel[ch] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        const index = this.matcher.lookup(pixel, 0);
        out[rowStart + x] = index;
        const p = index * c;
        const xn = x + step;
        const xp = x - step;
        for (let ch = 0; ch < c; ch++) {
          const chosen = colors[p + ch] as number;
          const original = data[o + ch] as number;
          sse += (original - chosen) * (original - chosen);
          const err = ((pixel[ch] as number) - chosen) * strength;
          if (xn >= 0 && xn < width) {
            cur[xn * c + ch] = (cur[xn * c + ch] as number) + (err * 7) / 16;
            nxt[xn * c + ch] = (nxt[xn * c + ch] as number) + err / 16;
          }
          if (xp >= 0 && xp < width)
            nxt[xp * c + ch] = (nxt[xp * c + ch] as number) + (err * 3) / 16;
          nxt[e + ch] = (nxt[e + ch] as number) + (err * 5) / 16;
        }
      }
      this.current = nxt;
      this.next = cur;
    }
    return sse;
  }
}
