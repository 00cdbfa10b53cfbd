import {
  MAX_PAGES,
  nativeModule,
  PAGE,
  WebAssembly,
  type WasmMemory,
} from '../../runtime/nativeModules.js';

interface TileExports {
  __heap_base: { value: number };
  placeTile(
    tile: number,
    tileRowBytes: number,
    rows: number,
    keepBytes: number,
    out: number,
    outRowBytes: number,
    differenced: number,
  ): void;
  inflateTile(stored: number, storedBytes: number, out: number, outBytes: number): number;
}

/** What tiles.wasm asks for at the least: its stack, and libdeflate's decompressor. */
const INITIAL_PAGES = 4;

/** Why a stream did not inflate, by inflateTile's result (see native/tiles.c). */
const INFLATE_FAILURES: Record<number, (tileBytes: number) => string> = {
  1: () => 'not a valid zlib stream',
  2: (tileBytes) => `it ends short of the tile's ${tileBytes} bytes`,
  3: (tileBytes) => `it gives more than the tile's ${tileBytes} bytes`,
  4: () => 'no memory for the decompressor',
};

/**
 * Tiles inflated, placed side by side into a window of rows, and the window copied out, in
 * WebAssembly (native/tiles.c). In JavaScript, undoing the differencing and copying each tile's
 * rows out one view at a time cost a decode thread 65 ms a row of 128 x 128 tiles 60000 pixels
 * wide, twice what inflating them costs; here 12 ms, copies in and out included.
 * One a thread: its memory holds a tile, the window, and a stored tile to inflate, the size of
 * the largest it was asked for.
 */
export class TilePlacer {
  private readonly exports: TileExports;
  private readonly memory: WasmMemory;
  private readonly stage: number;
  private window = 0;
  private stored = 0;
  private tileBytes = 0;
  private bytes: Uint8Array;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
    const instance = new WebAssembly.Instance(nativeModule('tiles'), {
      env: { memory: this.memory },
    });
    this.exports = instance.exports as unknown as TileExports;
    this.stage = alignUp(this.exports.__heap_base.value);
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  /** Room for a tile of `tileBytes` and a window of `windowBytes` after it. */
  reserve(tileBytes: number, windowBytes: number): void {
    this.tileBytes = tileBytes;
    this.window = alignUp(this.stage + tileBytes);
    this.stored = alignUp(this.window + windowBytes);
    this.grow(this.stored);
  }

  /**
   * The tile that the zlib stream `stored` inflates to (the size `reserve` gave), in this
   * placer's memory: valid until the next call. Throws where it does not inflate to that size
   * exactly, saying why.
   */
  inflate(stored: Uint8Array): Uint8Array {
    this.grow(this.stored + stored.length);
    this.bytes.set(stored, this.stored);
    const failed = this.exports.inflateTile(this.stored, stored.length, this.stage, this.tileBytes);
    if (failed !== 0)
      throw new Error(INFLATE_FAILURES[failed]?.(this.tileBytes) ?? `libdeflate's ${failed}`);
    return this.bytes.subarray(this.stage, this.stage + this.tileBytes);
  }

  private grow(bytes: number): void {
    const short = bytes - this.memory.buffer.byteLength;
    if (short > 0) {
      this.memory.grow(Math.ceil(short / PAGE));
      this.bytes = new Uint8Array(this.memory.buffer);
    }
  }

  /**
   * `rows` rows of `keepBytes` of `tile` (rows `tileRowBytes` apart) into the window at byte
   * `at`, whose rows are `windowRowBytes` apart; horizontal differencing undone where
   * `differenced`.
   */
  place(
    tile: Uint8Array,
    tileRowBytes: number,
    rows: number,
    keepBytes: number,
    at: number,
    windowRowBytes: number,
    differenced: boolean,
  ): void {
    const used = (rows - 1) * tileRowBytes + keepBytes;
    // A tile inflated here is in place already.
    if (tile.buffer !== this.memory.buffer || tile.byteOffset !== this.stage)
      this.bytes.set(tile.length > used ? tile.subarray(0, used) : tile, this.stage);
    this.exports.placeTile(
      this.stage,
      tileRowBytes,
      rows,
      keepBytes,
      this.window + at,
      windowRowBytes,
      differenced ? 1 : 0,
    );
  }

  /**
   * The window's `rows` rows of `rowBytes` into `out` from byte `at`, its rows `outRowBytes`
   * apart: at once where they are whole rows of `out`.
   */
  copyOut(out: Uint8Array, at: number, outRowBytes: number, rows: number, rowBytes: number): void {
    copyWindow(this.bytes, this.window, out, at, outRowBytes, rows, rowBytes);
  }
}

/**
 * `rows` rows of `rowBytes` from `bytes` at `window` into `out` from byte `at`, its rows
 * `outRowBytes` apart: at once where they are whole rows of `out`.
 */
export function copyWindow(
  bytes: Uint8Array,
  window: number,
  out: Uint8Array,
  at: number,
  outRowBytes: number,
  rows: number,
  rowBytes: number,
): void {
  if (rowBytes === outRowBytes) {
    out.set(bytes.subarray(window, window + rows * rowBytes), at);
    return;
  }
  for (let r = 0; r < rows; r++)
    out.set(
      bytes.subarray(window + r * rowBytes, window + (r + 1) * rowBytes),
      at + r * outRowBytes,
    );
}

function alignUp(n: number): number {
  return Math.ceil(n / 16) * 16;
}
