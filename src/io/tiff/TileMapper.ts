import { nativeModule, WebAssembly } from '../../runtime/nativeModules.js';
import type { ColourLookup } from '../../model/colourLookup.js';
import { copyWindow } from './TilePlacer.js';

interface MapperExports {
  __stack_pointer: { value: number };
  mapTile(
    tile: number,
    tileRowBytes: number,
    rows: number,
    keepPixels: number,
    out: number,
    outRowPixels: number,
    differenced: number,
    table: number,
    known: number,
  ): number;
}

/** The kernels' stack, at the bottom of a thread's room (mapTile keeps all it has in locals). */
const STACK_BYTES = 16 * 1024;

/**
 * Decoded tiles mapped to their palette indices on a decode thread, through a lookup (see
 * ColourLookup): the kernels run on the memory that holds the lookup's table, in the room this
 * thread took there, which holds their stack, the tile, and a window of indices copied out as
 * TilePlacer's is.
 */
export class TileMapper {
  private readonly exports: MapperExports;
  private readonly stage: number;
  private readonly end: number;
  private window = 0;

  private constructor(
    private readonly lookup: ColourLookup,
    room: number,
  ) {
    const instance = new WebAssembly.Instance(nativeModule('kernels'), {
      env: { memory: lookup.memory },
    });
    this.exports = instance.exports as unknown as MapperExports;
    // Its own stack: other threads run the kernels in the same memory.
    this.exports.__stack_pointer.value = room + STACK_BYTES;
    this.stage = room + STACK_BYTES;
    this.end = room + lookup.room.bytes;
  }

  /** Bytes of room a thread needs for tiles of `tileBytes` and a window of `windowBytes`. */
  static roomFor(tileBytes: number, windowBytes: number): number {
    return STACK_BYTES + alignUp(tileBytes) + alignUp(windowBytes);
  }

  /**
   * A mapper for `lookup` on this thread, or undefined where every stretch of its room is taken
   * (by more threads than it was made for: the thread then decodes pixels). One for each job
   * (an instance costs 26 us): a thread that held on to one would keep the kernels' memory from
   * being collected once the image is done.
   */
  static for(lookup: ColourLookup): TileMapper | undefined {
    if (claimed?.id !== lookup.id)
      claimed = {
        id: lookup.id,
        stretch: Atomics.add(new Int32Array(lookup.memory.buffer, lookup.taken, 1), 0, 1),
      };
    const { at, bytes, count } = lookup.room;
    return claimed.stretch < count
      ? new TileMapper(lookup, at + claimed.stretch * bytes)
      : undefined;
  }

  /** Whether a tile of `tileBytes` and a window of `windowBytes` fit, and if so, room for them. */
  reserve(tileBytes: number, windowBytes: number): boolean {
    this.window = this.stage + alignUp(tileBytes);
    return this.window + windowBytes <= this.end;
  }

  /**
   * `rows` rows of the first `keepPixels` pixels of `tile` (rows `tileRowBytes` apart) into the
   * window at byte `at` as their indices, the window's rows `windowRowPixels` apart; horizontal
   * differencing undone where `differenced`. False at the first colour the lookup does not know:
   * the window is then partly written.
   */
  map(
    tile: Uint8Array,
    tileRowBytes: number,
    rows: number,
    keepPixels: number,
    at: number,
    windowRowPixels: number,
    differenced: boolean,
  ): boolean {
    const used = (rows - 1) * tileRowBytes + keepPixels * 3;
    this.bytes().set(tile.length > used ? tile.subarray(0, used) : tile, this.stage);
    const unknown = this.exports.mapTile(
      this.stage,
      tileRowBytes,
      rows,
      keepPixels,
      this.window + at,
      windowRowPixels,
      differenced ? 1 : 0,
      this.lookup.table,
      this.lookup.known,
    );
    return unknown === 0;
  }

  /** As TilePlacer.copyOut, of indices. */
  copyOut(out: Uint8Array, at: number, outRowBytes: number, rows: number, rowBytes: number): void {
    copyWindow(this.bytes(), this.window, out, at, outRowBytes, rows, rowBytes);
  }

  /** The memory as it is now: the main thread may have grown it since. */
  private bytes(): Uint8Array {
    return new Uint8Array(this.lookup.memory.buffer);
  }
}

/** The stretch of room this thread took in the last lookup it was given. */
let claimed: { id: number; stretch: number } | undefined;

function alignUp(n: number): number {
  return Math.ceil(n / 16) * 16;
}
