/*
 * Decoding our own tiles (src/io/tiff/TilePlacer.ts): a tile inflated (with libdeflate, below),
 * and its rows placed into a block of rows, with TIFF's horizontal differencing (predictor 2,
 * 8-bit RGB) undone. Built on its own (tiles.wasm) on memory that is not shared: V8 copies out
 * of shared memory a byte at a time, three times slower, and the block is copied out whole.
 */
#include <wasm_simd128.h>

/*
 * `rows` rows of `keepBytes` (a multiple of 3) from `tile`, whose rows are `tileRowBytes` apart,
 * to `out`, whose rows are `outRowBytes` apart; summed along each row where `differenced`.
 */
__attribute__((export_name("placeTile"))) void placeTile(const unsigned char *tile,
                                                         int tileRowBytes, int rows,
                                                         int keepBytes, unsigned char *out,
                                                         int outRowBytes, int differenced) {
  const v128_t zero = wasm_i8x16_splat(0);
  for (int r = 0; r < rows; r++) {
    const unsigned char *s = tile + r * tileRowBytes;
    unsigned char *d = out + r * outRowBytes;
    if (!differenced) {
      __builtin_memcpy(d, s, keepBytes);
      continue;
    }
    /*
     * Four pixels (12 bytes) a step, as a prefix sum over 3-byte lanes: each pixel plus the one
     * before, then plus the two before that, then plus the last pixel of the step before. The
     * 16-byte store's last 4 bytes are written again by the next step, so it stays within the
     * row.
     */
    v128_t carry = zero;
    int i = 0;
    for (; i + 16 <= keepBytes; i += 12) {
      v128_t v = wasm_v128_load(s + i);
      v = wasm_i8x16_add(v, wasm_i8x16_shuffle(zero, v, 0, 1, 2, 16, 17, 18, 19, 20, 21, 22, 23,
                                               24, 25, 26, 27, 28));
      v = wasm_i8x16_add(v, wasm_i8x16_shuffle(zero, v, 0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 21,
                                               22, 23, 24, 25));
      v = wasm_i8x16_add(v, carry);
      wasm_v128_store(d + i, v);
      carry = wasm_i8x16_shuffle(v, v, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 0, 0, 0, 0);
    }
    unsigned char a = 0, b = 0, c = 0;
    if (i > 0) {
      a = d[i - 3];
      b = d[i - 2];
      c = d[i - 1];
    }
    for (; i < keepBytes; i += 3) {
      a += s[i];
      b += s[i + 1];
      c += s[i + 2];
      d[i] = a;
      d[i + 1] = b;
      d[i + 2] = c;
    }
  }
}

/*
 * Inflating our tiles with libdeflate (native/libdeflate, its decompressor only, as released,
 * with the Adler-32 of adler32.c): 1.9x the speed of Node's zlib on a photo's tiles, and straight
 * into this memory, where placeTile reads them, with none of the buffers, handles and garbage an
 * inflateSync leaves.
 */
#include "libdeflate.h"

/* The memory libdeflate asks for, once: its one decompressor. */
static unsigned char arena[1 << 16] __attribute__((aligned(16)));
static unsigned long arenaUsed;
static struct libdeflate_decompressor *decompressor;

static void *fromArena(size_t bytes) {
  if (arenaUsed + bytes > sizeof arena) return 0;
  void *p = arena + arenaUsed;
  arenaUsed += (bytes + 15) & ~15ul;
  return p;
}

static void keepArena(void *p) { (void)p; }

/*
 * The zlib stream `in` (`inBytes`) inflated into `out`, which it must fill exactly
 * (`outBytes`): 0, or libdeflate's result (1: not deflate data, or its check fails; 2: it ends
 * short of `outBytes`; 3: it gives more), or 4 where the decompressor could not be made.
 */
__attribute__((export_name("inflateTile"))) int inflateTile(const void *in, int inBytes, void *out,
                                                            int outBytes) {
  if (!decompressor) {
    struct libdeflate_options options = {sizeof options, fromArena, keepArena};
    decompressor = libdeflate_alloc_decompressor_ex(&options);
    if (!decompressor) return 4;
  }
  return libdeflate_zlib_decompress(decompressor, in, (size_t)inBytes, out, (size_t)outBytes, 0);
}
