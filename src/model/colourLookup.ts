/** RGB colours: the entries of a lookup's table. */
export const LOOKUP_COLOURS = 1 << 24;

/**
 * Every counted RGB colour's palette index, as pass 2 learned it from pass 1's counts (see
 * NearestKernel.lookup), where the decode threads read it: they then hand pass 2 the indices of
 * the tiles they decode rather than their pixels, a third of the bytes and no matching left for
 * the main thread. A byte a colour (palettes of 256 entries at most), packed channel 0 lowest.
 * An entry of 0 is an answer only where its bit in `known` is set: a colour not known (the file
 * changed since it was counted) is left to the caller.
 */
export interface ColourLookup {
  /**
   * The kernels' memory (a shared WebAssembly.Memory) holding the table: each thread runs the
   * kernels on it, in room of its own, rather than keep an 18 MiB copy.
   */
  memory: { readonly buffer: ArrayBuffer };
  /** Where the table starts (LOOKUP_COLOURS bytes). */
  table: number;
  /** Where the known bits start (LOOKUP_COLOURS / 8 bytes). */
  known: number;
  /** The threads' room: `count` stretches of `bytes` from `at`, a thread's for its own use. */
  room: { at: number; bytes: number; count: number };
  /** An Int32 counting the stretches of room taken: a thread takes the next one. */
  taken: number;
  /** One lookup's, not another's: a thread keeps the room it took in the last one it used. */
  id: number;
}
