import type { ColorSpace, Palette } from '../../types.js';
import { NearestKernel } from './NearestKernel.js';
import type { CountedColours } from '../ColorHistogram.js';
import type { ColourLookup } from '../../model/colourLookup.js';
import { srgbToOklab } from '../oklab.js';
import { ProjectedSearch, type Nearest } from './ProjectedSearch.js';

const HASH_BITS = 18;
const EMPTY = -1;
/**
 * From this many pixels to match, RGB answers are kept for every colour rather than in a cache
 * (NearestKernel). Paired whole runs, same bytes, against the cache: 184 and 2040 Mpx photos took
 * 0.79x and 0.80-0.87x the time, a 12 Mpx one 0.93x, a 4 Mpx one 0.99x, a 0.24 Mpx one 0.99x
 * with 1.3 MiB more. Small images gain nothing, and one of scattered colours would touch up to
 * 18 MiB of the table: in a batch, per worker.
 */
const EVERY_COLOUR_FROM_PIXELS = 4 * 1024 * 1024;

/** Recent answers by colour: the nearest index and its squared distance. */
interface AnswerCache {
  keys: Uint32Array;
  index: Int32Array;
  dist: Uint32Array;
}

/**
 * Exact nearest palette entry (squared Euclidean distance, lowest index on ties) for every pixel,
 * fast enough for gigapixel images:
 * - a cache of recent answers: a direct table for 1- and 2-channel images, a direct-mapped hash
 *   of packed colours for 3 and 4 channels (photos repeat colours a lot);
 * - on a miss, a search of the palette sorted along its principal axis, expanding outwards from
 *   the pixel's projection and stopping once the projected gap alone exceeds the best distance
 *   (a projection onto a unit vector never exceeds the true distance).
 * Agrees with brute force exactly; the tests hold the brute-force oracle. `assign` on RGB pixels
 * runs in WebAssembly (NearestKernel: the same answers, searched from the entry nearest the
 * pixel's cell of a 16^3 grid).
 */
export class NearestColorMatcher {
  private readonly channels: number;
  private readonly colors: Uint8Array;
  private readonly projected: ProjectedSearch;
  private readonly found: Nearest = { index: 0, distance: 0, second: 0 };
  private readonly direct: boolean;
  /**
   * Made on the first pixel matched in JavaScript: RGB pixels in RGB space never need it (the
   * kernel matches them), and at 3 MiB it cost a small image's run more than its matching.
   */
  private cache: AnswerCache | undefined;

  /** The palette in OKLab when matching there (`space` 'oklab', RGB palettes only). */
  private readonly labSearch: ProjectedSearch | undefined;
  private readonly pixelLab = new Float64Array(3);
  /** Made on the first `assign` of RGB pixels in RGB space. */
  private kernel: NearestKernel | undefined;

  /** `pixels`: how many pixels it will match, where known (see EVERY_COLOUR_FROM_PIXELS). */
  constructor(
    palette: Palette,
    space: ColorSpace = 'rgb',
    private readonly pixels = 0,
  ) {
    if (palette.size < 1) throw new Error('empty palette');
    if (space === 'oklab' && palette.channels === 3) {
      const lab = new Float64Array(palette.size * 3);
      const c = palette.colors;
      for (let i = 0; i < palette.size; i++)
        srgbToOklab(c[i * 3] as number, c[i * 3 + 1] as number, c[i * 3 + 2] as number, lab, i * 3);
      this.labSearch = new ProjectedSearch(lab, palette.size, 3);
    }
    this.channels = palette.channels;
    this.colors = palette.colors;
    this.projected = new ProjectedSearch(palette.colors, palette.size, palette.channels);

    this.direct = this.channels <= 2;
  }

  private answers(): AnswerCache {
    if (this.cache) return this.cache;
    const slots = this.direct ? 1 << (8 * this.channels) : 1 << HASH_BITS;
    this.cache = {
      keys: new Uint32Array(this.direct ? 0 : slots),
      index: new Int32Array(slots).fill(EMPTY),
      dist: new Uint32Array(slots),
    };
    return this.cache;
  }

  /**
   * Writes the nearest index of each of `pixelCount` pixels of `data` into `out` and returns the
   * sum of squared errors, so that exact MSE comes for free.
   */
  assign(data: Uint8Array, pixelCount: number, out: Uint8Array | Uint16Array): number {
    if (this.inKernel()) {
      this.kernel ??= new NearestKernel(
        this.colors,
        this.colors.length / 3,
        this.pixels >= EVERY_COLOUR_FROM_PIXELS ? 'table' : 'cache',
      );
      return this.kernel.assign(data, pixelCount, out);
    }
    const c = this.channels;
    const cache = this.answers();
    let sse = 0;
    for (let p = 0, o = 0; p < pixelCount; p++, o += c) {
      let key = 0;
      for (let ch = c - 1; ch >= 0; ch--) key = key * 256 + (data[o + ch] as number);
      const slot = this.direct ? key : Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
      let index = cache.index[slot] as number;
      if (index === EMPTY || (!this.direct && cache.keys[slot] !== key)) {
        index = this.search(data, o);
        cache.index[slot] = index;
        cache.dist[slot] = this.distance(data, o, index);
        if (!this.direct) cache.keys[slot] = key;
      }
      out[p] = index;
      sse += cache.dist[slot] as number;
    }
    return sse;
  }

  /**
   * Before the first `assign`, where the kernel keeps every colour's answer: learns the answers of
   * every colour counted, and returns the error of all the pixels counted, which `assign` then
   * leaves out of its sums. Undefined where nothing was learned.
   */
  learn(counted: CountedColours): number | undefined {
    if (!this.inKernel() || this.pixels < EVERY_COLOUR_FROM_PIXELS || this.kernel) return undefined;
    this.kernel = new NearestKernel(this.colors, this.colors.length / 3, 'learned');
    return this.kernel.learn(counted);
  }

  /**
   * What `learn` learned, for the decode threads to map pixels with (see NearestKernel.lookup),
   * where its answers are a byte each; valid until `release`.
   */
  learnedLookup(threads: number, bytesEach: number): ColourLookup | undefined {
    return this.kernel?.lookup(threads, bytesEach);
  }

  /** RGB pixels in RGB space are matched in WebAssembly. */
  private inKernel(): boolean {
    return this.channels === 3 && !this.labSearch;
  }

  /** Hands the WebAssembly kernel's memory back, when done with `assign`. */
  release(): void {
    this.kernel?.release();
    this.kernel = undefined;
  }

  /** Like `assign` for one pixel, through the same cache: its nearest index. */
  lookup(data: Uint8Array, offset: number): number {
    const c = this.channels;
    let key = 0;
    for (let ch = c - 1; ch >= 0; ch--) key = key * 256 + (data[offset + ch] as number);
    const slot = this.direct ? key : Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
    const cache = this.answers();
    const cached = cache.index[slot] as number;
    if (cached !== EMPTY && (this.direct || cache.keys[slot] === key)) return cached;
    const index = this.search(data, offset);
    cache.index[slot] = index;
    cache.dist[slot] = this.distance(data, offset, index);
    if (!this.direct) cache.keys[slot] = key;
    return index;
  }

  /** Index of the palette entry nearest to the pixel at `data[offset..]`. */
  search(data: Uint8Array, offset: number): number {
    if (this.labSearch) return this.searchLab(data, offset);
    return this.projected.nearest(data, offset, false, this.found).index;
  }

  /** Nearest in OKLab: it runs once per distinct colour, thanks to the cache. */
  private searchLab(data: Uint8Array, offset: number): number {
    const p = this.pixelLab;
    srgbToOklab(
      data[offset] as number,
      data[offset + 1] as number,
      data[offset + 2] as number,
      p,
      0,
    );
    return (this.labSearch as ProjectedSearch).nearest(p, 0, false, this.found).index;
  }

  private distance(data: Uint8Array, offset: number, index: number): number {
    const c = this.channels;
    const base = index * c;
    let d = 0;
    for (let ch = 0; ch < c; ch++) {
      const diff = (data[offset + ch] as number) - (this.colors[base + ch] as number);
      d += diff * diff;
    }
    return d;
  }
}
