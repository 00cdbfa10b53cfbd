import { deflateSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { TilePlacer } from '../../src/io/tiff/TilePlacer.js';
import { MAX_PAGES, nativeModule, WebAssembly } from '../../src/runtime/nativeModules.js';
import { Rng } from '../../src/cluster/Rng.js';

/** Adler-32 as RFC 1950 gives it, a byte at a time. */
function adler32(start: number, bytes: Uint8Array): number {
  let s1 = start & 0xffff;
  let s2 = start >>> 16;
  for (const b of bytes) {
    s1 = (s1 + b) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

function noise(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * 256));
}

test("tiles.wasm's Adler-32 (ours, in SIMD) is RFC 1950's, at every length around its blocks and chunks", () => {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  const { adler32: wasmAdler } = new WebAssembly.Instance(nativeModule('tiles'), {
    env: { memory },
  }).exports as { adler32(start: number, at: number, n: number): number };
  const at = 1 << 20;
  const rng = new Rng(5);
  const lengths = [0, 1, 15, 31, 32, 33, 63, 64, 5119, 5120, 5121, 5151, 5152, 5552, 65536, 100003];
  // All 0xff is the case that overflows first; the starts include the largest sums there are.
  for (const n of lengths)
    for (const bytes of [new Uint8Array(n).fill(255), noise(rng, n), new Uint8Array(n)])
      for (const start of [1, 0xfff0fff0, 0x12345678]) {
        new Uint8Array(memory.buffer).set(bytes, at);
        expect(wasmAdler(start, at, n) >>> 0, `${n} bytes from ${start}`).toBe(
          adler32(start, bytes),
        );
      }
});

test('a tile inflates to its bytes exactly, and a stream that is short, long or damaged says which', () => {
  const rng = new Rng(9);
  const tileBytes = 64 * 32 * 3;
  const tile = noise(rng, tileBytes);
  const placer = new TilePlacer();
  placer.reserve(tileBytes, 0);
  expect(Buffer.from(placer.inflate(deflateSync(tile))).equals(Buffer.from(tile))).toBe(true);
  expect(() => placer.inflate(deflateSync(tile.subarray(1)))).toThrow(/ends short of/);
  expect(() => placer.inflate(deflateSync(Buffer.concat([tile, Buffer.of(0)])))).toThrow(
    /gives more than/,
  );
  // The data intact, its Adler-32 (the last 4 bytes) one bit off: only the check tells.
  const checked = deflateSync(tile);
  checked[checked.length - 1]! ^= 1;
  expect(() => placer.inflate(checked)).toThrow(/not a valid zlib stream/);
  // A stored tile bigger than any before it grows the placer's memory, and still inflates.
  const stored = deflateSync(tile, { level: 0 });
  const big = 40 * tileBytes;
  placer.reserve(big, 0);
  const large = noise(rng, big);
  expect(
    Buffer.from(placer.inflate(deflateSync(large, { level: 0 }))).equals(Buffer.from(large)),
  ).toBe(true);
  placer.reserve(tileBytes, 0);
  expect(Buffer.from(placer.inflate(stored)).equals(Buffer.from(tile))).toBe(true);
});
