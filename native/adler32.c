/*
 * libdeflate_adler32 for tiles.wasm, in place of libdeflate's portable one (lib/adler32.c,
 * left out of the build): with WebAssembly's SIMD, which libdeflate has no version for. The
 * check of every inflated tile took as long as inflating it (2.6 of a decode thread's 5.9 s in a
 * 2 Gpx pass 1) with the portable one.
 */
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define DIVISOR 65521u
/* Bytes between reductions: the lanes and the 64-bit sums stay far from overflowing. */
#define CHUNK (32 * 160)

static void scalar(uint32_t *s1, uint32_t *s2, const unsigned char *p, size_t n) {
  uint32_t a = *s1, b = *s2;
  for (size_t i = 0; i < n; i++) {
    a += p[i];
    b += a;
  }
  *s1 = a % DIVISOR;
  *s2 = b % DIVISOR;
}

static uint64_t lanesSum(v128_t v) {
  return (uint64_t)wasm_u32x4_extract_lane(v, 0) + wasm_u32x4_extract_lane(v, 1) +
         wasm_u32x4_extract_lane(v, 2) + wasm_u32x4_extract_lane(v, 3);
}

/* As libdeflate.h has it: a NULL buffer gives the initial value. Exported for the tests. */
__attribute__((export_name("adler32"))) uint32_t libdeflate_adler32(uint32_t adler,
                                                                 const void *buffer, size_t len) {
  const unsigned char *p = buffer;
  if (p == NULL) return 1;
  uint32_t s1 = adler & 0xffff, s2 = adler >> 16;
  /* Each byte's weight in s2 within a 32-byte block: 32 for the first, down to 1. */
  const v128_t w0 = wasm_i16x8_make(32, 31, 30, 29, 28, 27, 26, 25);
  const v128_t w1 = wasm_i16x8_make(24, 23, 22, 21, 20, 19, 18, 17);
  const v128_t w2 = wasm_i16x8_make(16, 15, 14, 13, 12, 11, 10, 9);
  const v128_t w3 = wasm_i16x8_make(8, 7, 6, 5, 4, 3, 2, 1);
  while (len >= 32) {
    const size_t n = (len < CHUNK ? len : CHUNK) & ~(size_t)31;
    /* Sums of the bytes; of those sums before each block; of the bytes by weight. */
    v128_t sum = wasm_i32x4_splat(0), before = sum, weighted = sum;
    for (size_t i = 0; i < n; i += 32) {
      const v128_t a = wasm_v128_load(p + i), b = wasm_v128_load(p + i + 16);
      before = wasm_i32x4_add(before, sum);
      const v128_t pairs = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(a),
                                          wasm_u16x8_extadd_pairwise_u8x16(b));
      sum = wasm_i32x4_add(sum, wasm_u32x4_extadd_pairwise_u16x8(pairs));
      weighted = wasm_i32x4_add(weighted, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(a), w0));
      weighted = wasm_i32x4_add(weighted, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(a), w1));
      weighted = wasm_i32x4_add(weighted, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(b), w2));
      weighted = wasm_i32x4_add(weighted, wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(b), w3));
    }
    /* s1 as it was counts once for every byte; each block's earlier bytes once a byte of it. */
    const uint64_t s2Sum = s2 + (uint64_t)s1 * n + 32 * lanesSum(before) + lanesSum(weighted);
    s1 = (uint32_t)((s1 + lanesSum(sum)) % DIVISOR);
    s2 = (uint32_t)(s2Sum % DIVISOR);
    p += n;
    len -= n;
  }
  scalar(&s1, &s2, p, len);
  return s2 << 16 | s1;
}
