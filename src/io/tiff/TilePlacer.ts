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
}

/**
 * Inflated tiles placed side by side into a window of rows, and the window copied out, in
 * WebAssembly (native/tiles.c). In JavaScript, undoing the differencing and copying each tile's
 * rows out one view at a time cost a decode thread 65 ms a row of 128 x 128 tiles 60000 pixels
 * wide, twice what inflating them costs; here 12 ms, copies in and out included.
 * One a thread: its memory holds a tile and the window, the size of the largest it was asked for.
 */
export class TilePlacer {
  private readonly exports: TileExports;
  private readonly memory: WasmMemory;
  private readonly stage: number;
  private window = 0;
  private bytes: Uint8Array;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES });
    const instance = new WebAssembly.Instance(nativeModule('tiles'), {
      env: { memory: this.memory },
    });
    this.exports = instance.exports as unknown as TileExports;
    this.stage = alignUp(this.exports.__heap_base.value);
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  /** Room for a tile of `tileBytes` and a window of `windowBytes` after it. */
  reserve(tileBytes: number, windowBytes: number): void {
    this.window = alignUp(this.stage + tileBytes);
    const short = this.window + windowBytes - this.memory.buffer.byteLength;
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
