#include "kernels.h"

/* Pass 2: the nearest palette entry of every pixel. */

#define CACHE_BITS 18

typedef struct {
  /* Pointers and integers first, as Step. */
  const double *palette; /* k x 3 */
  int k;
  double *half; /* unused here; buildNeighbours writes it */
  int *near;
  double *nearDist;
  double *beyond;
  /*
   * A direct-mapped cache of answers, as two words a slot in two arrays: the packed colour (24
   * bits) with bits 14-16 of index + 1 above it, and the squared distance (18 bits: at most
   * 3 x 255^2) with bits 0-13 of index + 1 above it. A slot whose second word is 0 is empty, so
   * that memory fresh from the system, which is zero, needs no clearing (the caller zeroes reused
   * memory); an answer that happens to pack to 0 is merely searched again.
   */
  unsigned *cacheKey;
  unsigned *cacheValue;
  /*
   * For each cell of a GUESS_CELLS^3 grid, the entry nearest its centre + 1, where searches
   * start (0: not found yet, zeroed by the caller).
   */
  int *guess;
  /*
   * For each cell of a LIST_CELLS^3 grid, once a pixel in it has been searched: the entries that
   * can be nearest to some pixel of the cell, as (start + 1, count) into `pool` (0: not listed
   * yet, zeroed as the cache is; -1: too long for the pool, searched from `guess` instead).
   * Lists are made only when k <= LIST_MAX_K.
   */
  int *cells;
  unsigned short *pool;
  int poolSize;
  int poolUsed;
  /*
   * For big images, in place of the cache: every RGB colour's answer, 2^24 entries of 1 byte
   * (k <= 256) or 2, and `known`, a bit per colour set once its entry holds the answer (so that
   * an entry of 0 is either index 0 or not searched yet). 0: the cache is used. A photo of 184
   * Mpx has 1.4 M colours in 1536 rows, which made 15% of its pixels miss a cache of 2^18 slots;
   * the table misses each colour once. `bytes`: the palette as k x 3 bytes, for a known answer's
   * error. With both the table and the cache, the table holds what nearestLearn was given and
   * the cache the colours it was not (see tableLoop).
   */
  void *table;
  unsigned *known;
  const unsigned char *bytes;
} Nearest;

_Static_assert(__builtin_offsetof(Nearest, bytes) == 60, "the caller writes Nearest by offset");

#define GUESS_CELLS 16
#define GUESS_SHIFT 4
/* 8-wide cells: shorter lists than the guess grid's 16, few enough to list lazily. */
#define LIST_SHIFT 5
#define LIST_WIDTH (256 >> LIST_SHIFT)
/* Past this many entries a list costs more to make and to scan than the neighbour search. */
#define LIST_MAX_K 1024

static int nearestFrom(const Nearest *s, const double *x, int from, unsigned *dist);

__attribute__((export_name("nearestInit"))) void nearestInit(Nearest *s) {
  buildNeighbours(s->palette, s->k, s->half, s->near, s->nearDist, s->beyond);
}

/*
 * Exact nearest entry, lowest index on ties: a ball search from `from` through its listed
 * neighbours (an entry c can only be as near as the best b if |from - c| <= |x - from| + |x - b|),
 * by brute force when the ball passes the list. The slack covers the square roots' rounding, so
 * that ties are always looked at.
 */
static int nearestFrom(const Nearest *s, const double *x, int from, unsigned *dist) {
  const int listed = s->k - 1 < NEIGHBOURS ? s->k - 1 : NEIGHBOURS;
  double best2 = sq3(x, s->palette + from * 3);
  double ux = __builtin_sqrt(best2), best = ux;
  int bestJ = from;
  double edge = s->beyond[from];
  const int *near = s->near + from * NEIGHBOURS;
  const double *nd = s->nearDist + from * NEIGHBOURS;
  for (int t = 0; t < listed; t++) {
    if (nd[t] > ux + best + 1e-6) {
      edge = nd[t];
      break;
    }
    int j = near[t];
    double dd = sq3(x, s->palette + j * 3);
    if (dd < best2 || (dd == best2 && j < bestJ)) {
      best2 = dd;
      best = __builtin_sqrt(dd);
      bestJ = j;
    }
  }
  if (edge - ux <= best + 1e-6) {
    best2 = __builtin_inf();
    for (int j = 0; j < s->k; j++) {
      double dd = sq3(x, s->palette + j * 3);
      if (dd < best2) {
        best2 = dd;
        bestJ = j;
      }
    }
  }
  *dist = (unsigned)best2;
  return bestJ;
}

/*
 * The entry nearest the centre of a cell of the guess grid, found the first time the cell is
 * asked for (a photo's searches ask for few: made for all 4096 cells at the start, they were
 * the better part of its palette's set-up). The answer is exact whatever the search starts
 * from.
 */
static int guessFor(Nearest *s, int cell) {
  if (s->guess[cell] == 0) {
    const int size = 256 / GUESS_CELLS;
    double x[3] = {(cell & (GUESS_CELLS - 1)) * size + size / 2.0,
                   ((cell >> GUESS_SHIFT) & (GUESS_CELLS - 1)) * size + size / 2.0,
                   (cell >> (2 * GUESS_SHIFT)) * size + size / 2.0};
    unsigned dist;
    s->guess[cell] = nearestFrom(s, x, 0, &dist) + 1;
  }
  return s->guess[cell] - 1;
}

/*
 * Lists the entries that can be nearest to a pixel of `cell` (an 8-wide cube of integer
 * colours): every entry within the smallest farthest distance of any entry from the cell. The
 * nearest entry of a pixel in the cell is no farther than that, so it is listed, and so is every
 * entry at the same distance: ties are kept, in index order. Marks the cell -1 when the pool is
 * full.
 */
static void listCell(Nearest *s, int cell) {
  int lo[3];
  lo[0] = (cell & ((1 << LIST_SHIFT) - 1)) * LIST_WIDTH;
  lo[1] = ((cell >> LIST_SHIFT) & ((1 << LIST_SHIFT) - 1)) * LIST_WIDTH;
  lo[2] = (cell >> (2 * LIST_SHIFT)) * LIST_WIDTH;
  int reach = 0x7fffffff;
  for (int j = 0; j < s->k; j++) {
    int far = 0;
    for (int a = 0; a < 3; a++) {
      int v = (int)s->palette[j * 3 + a] - lo[a];
      int d = v > LIST_WIDTH - 1 - v ? v : LIST_WIDTH - 1 - v;
      far += d * d;
    }
    if (far < reach) reach = far;
  }
  int start = s->poolUsed, n = 0;
  for (int j = 0; j < s->k; j++) {
    int near = 0;
    for (int a = 0; a < 3; a++) {
      int v = (int)s->palette[j * 3 + a] - lo[a];
      int d = v < 0 ? -v : v > LIST_WIDTH - 1 ? v - (LIST_WIDTH - 1) : 0;
      near += d * d;
    }
    if (near > reach) continue;
    if (start + n == s->poolSize) {
      s->cells[cell * 2] = -1;
      return;
    }
    s->pool[start + n++] = (unsigned short)j;
  }
  s->poolUsed = start + n;
  s->cells[cell * 2] = start + 1;
  s->cells[cell * 2 + 1] = n;
}

/* Exact nearest entry of one pixel, lowest index on ties: from its cell's list if it has one. */
static int searchPixel(Nearest *s, const unsigned char *px, unsigned *dist) {
  double x[3] = {px[0], px[1], px[2]};
  if (s->k <= LIST_MAX_K) {
    int cell = (px[0] >> (8 - LIST_SHIFT)) | (px[1] >> (8 - LIST_SHIFT)) << LIST_SHIFT |
               (px[2] >> (8 - LIST_SHIFT)) << (2 * LIST_SHIFT);
    if (s->cells[cell * 2] == 0) listCell(s, cell);
    int start = s->cells[cell * 2] - 1;
    if (start >= 0) {
      const unsigned short *list = s->pool + start;
      const int n = s->cells[cell * 2 + 1];
      double best = __builtin_inf();
      int bestJ = 0;
      for (int t = 0; t < n; t++) {
        int j = list[t];
        double dd = sq3(x, s->palette + j * 3);
        if (dd < best) {
          best = dd;
          bestJ = j;
        }
      }
      *dist = (unsigned)best;
      return bestJ;
    }
  }
  int cell = (px[0] >> (8 - GUESS_SHIFT)) | (px[1] >> (8 - GUESS_SHIFT)) << GUESS_SHIFT |
             (px[2] >> (8 - GUESS_SHIFT)) << (2 * GUESS_SHIFT);
  return nearestFrom(s, x, guessFor(s, cell), dist);
}

/* Writes entry `index` at `out[p]`, `width` bytes an entry (the output's, or the table's). */
static inline __attribute__((always_inline)) void putIndex(void *out, int p, int index,
                                                          int width) {
  if (width == 1)
    ((unsigned char *)out)[p] = (unsigned char)index;
  else
    ((unsigned short *)out)[p] = (unsigned short)index;
}

/* A pixel's colour as one number, channel 0 lowest. */
static inline unsigned packRgb(const unsigned char *px) {
  return px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16;
}

/*
 * A pixel's nearest entry and squared distance through the cache of answers. `wide`: k > 16383,
 * where index + 1 needs bits in the tag too; the narrow form compares the tag whole, which
 * measured faster.
 */
static inline __attribute__((always_inline)) int cachedSearch(Nearest *s,
                                                              const unsigned char *px,
                                                              unsigned key, unsigned *dist,
                                                              int wide) {
  unsigned slot = (key * 0x9e3779b1u) >> (32 - CACHE_BITS);
  unsigned tag = s->cacheKey[slot], value = s->cacheValue[slot];
  if (value != 0 && (wide ? (tag & 0xffffff) == key : tag == key)) {
    *dist = value & 0x3ffff;
    return (int)(wide ? (value >> 18 | (tag >> 24) << 14) : value >> 18) - 1;
  }
  int index = searchPixel(s, px, dist);
  const unsigned stored = (unsigned)index + 1;
  s->cacheKey[slot] = key | (stored >> 14) << 24;
  s->cacheValue[slot] = (stored & 0x3fff) << 18 | *dist;
  return index;
}

/*
 * The loop of nearestBand through the cache. The sum is of integers, exact, and an integer add
 * does not hold the loop up as a floating-point one would.
 */
static inline __attribute__((always_inline)) double nearestLoop(Nearest *s,
                                                                const unsigned char *data,
                                                                int count, void *out,
                                                                int indexBytes, int wide) {
  unsigned long long sse = 0;
  for (int p = 0; p < count; p++) {
    const unsigned char *px = data + p * 3;
    unsigned dist;
    putIndex(out, p, cachedSearch(s, px, packRgb(px), &dist, wide), indexBytes);
    sse += dist;
  }
  return (double)sse;
}

/* The table's answer for a colour (entries `tableBytes` wide), or -1 when it is not known. */
static inline __attribute__((always_inline)) int tableAnswer(const Nearest *s, unsigned key,
                                                             int tableBytes) {
  int index = tableBytes == 1 ? ((const unsigned char *)s->table)[key]
                              : ((const unsigned short *)s->table)[key];
  return index == 0 && !(s->known[key >> 5] >> (key & 31) & 1) ? -1 : index;
}

/*
 * The loop of nearestBand with every colour's answer in `table` (entries `tableBytes` wide).
 * `learned`: nearestLearn has put every counted colour's answer in the table and its error in
 * the caller's sum, so that a known colour costs a load and a store, and only colours that were
 * not counted add their error here (found through the cache, which sits beside the table in
 * that mode). Leaving out the error of the others halved the loop's time: its loads from the
 * palette waited on the table's.
 */
static inline __attribute__((always_inline)) double tableLoop(Nearest *s,
                                                              const unsigned char *data,
                                                              int count, void *out,
                                                              int indexBytes, int tableBytes,
                                                              int learned) {
  unsigned long long sse = 0;
  for (int p = 0; p < count; p++) {
    const unsigned char *px = data + p * 3;
    unsigned key = packRgb(px);
    int index = tableAnswer(s, key, tableBytes);
    if (index < 0 && learned) {
      unsigned dist;
      index = cachedSearch(s, px, key, &dist, s->k > 16383);
      sse += dist;
    } else if (index < 0) {
      unsigned dist;
      index = searchPixel(s, px, &dist);
      putIndex(s->table, (int)key, index, tableBytes);
      s->known[key >> 5] |= 1u << (key & 31);
    }
    putIndex(out, p, index, indexBytes);
    if (!learned) {
      const unsigned char *e = s->bytes + index * 3;
      int d0 = px[0] - e[0], d1 = px[1] - e[1], d2 = px[2] - e[2];
      sse += (unsigned)(d0 * d0 + d1 * d1 + d2 * d2);
    }
  }
  return (double)sse;
}

/* tableLoop for each width of index and of table entry. */
static inline __attribute__((always_inline)) double tableBand(Nearest *s,
                                                              const unsigned char *data,
                                                              int count, void *out,
                                                              int indexBytes, int learned) {
  if (indexBytes == 1)
    return s->k <= 256 ? tableLoop(s, data, count, out, 1, 1, learned)
                       : tableLoop(s, data, count, out, 1, 2, learned);
  return s->k <= 256 ? tableLoop(s, data, count, out, 2, 1, learned)
                     : tableLoop(s, data, count, out, 2, 2, learned);
}

/*
 * Puts the answers of `n` colours (packed, channel 0 lowest) in the table, marked known, and
 * returns the sum of each one's squared error times its count: the error of every pixel those
 * counts came from, exact while it stays below 2^53 (8 gigapixels at the largest error of
 * 195075 stay below 2^51).
 */
__attribute__((export_name("nearestLearn"))) double nearestLearn(Nearest *s, const unsigned *keys,
                                                                  const double *counts, int n) {
  const int tableBytes = s->k <= 256 ? 1 : 2;
  double sse = 0;
  for (int i = 0; i < n; i++) {
    const unsigned key = keys[i];
    const unsigned char px[3] = {key & 255, key >> 8 & 255, key >> 16};
    unsigned dist;
    const int index = searchPixel(s, px, &dist);
    putIndex(s->table, (int)key, index, tableBytes);
    s->known[key >> 5] |= 1u << (key & 31);
    sse += counts[i] * dist;
  }
  return sse;
}

/*
 * Nearest entry of `count` RGB pixels (3 bytes each) into `out` (1 or 2 bytes per index).
 * Returns the sum of squared errors (after nearestLearn, of the colours it was not given).
 */
__attribute__((export_name("nearestBand"))) double nearestBand(Nearest *s,
                                                                const unsigned char *data,
                                                                int count, void *out,
                                                                int indexBytes) {
  if (s->table && s->cacheKey) return tableBand(s, data, count, out, indexBytes, 1);
  if (s->table) return tableBand(s, data, count, out, indexBytes, 0);
  if (s->k > 16383) return nearestLoop(s, data, count, out, indexBytes, 1);
  if (indexBytes == 1) return nearestLoop(s, data, count, out, 1, 0);
  return nearestLoop(s, data, count, out, 2, 0);
}
