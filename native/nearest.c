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
   * A direct-mapped cache of answers: packed colour, index + 1 (0: empty, so that memory fresh
   * from the system, which is zero, needs no clearing; the caller zeroes reused memory), and the
   * squared distance.
   */
  unsigned *cacheKey;
  int *cacheIndex;
  unsigned *cacheDist;
  /* For each cell of a GUESS_CELLS^3 grid, the entry nearest its centre: where searches start. */
  int *guess;
} Nearest;

_Static_assert(__builtin_offsetof(Nearest, guess) == 36, "the caller writes Nearest by offset");

#define GUESS_CELLS 16
#define GUESS_SHIFT 4

static int nearestFrom(const Nearest *s, const double *x, int from, unsigned *dist);

__attribute__((export_name("nearestInit"))) void nearestInit(Nearest *s) {
  buildNeighbours(s->palette, s->k, s->half, s->near, s->nearDist, s->beyond);
  /* Each cell's guess searched from the previous cell's: neighbouring cells share answers. */
  int from = 0;
  for (int cell = 0; cell < GUESS_CELLS * GUESS_CELLS * GUESS_CELLS; cell++) {
    const int size = 256 / GUESS_CELLS;
    double x[3] = {(cell & (GUESS_CELLS - 1)) * size + size / 2.0,
                   ((cell >> GUESS_SHIFT) & (GUESS_CELLS - 1)) * size + size / 2.0,
                   (cell >> (2 * GUESS_SHIFT)) * size + size / 2.0};
    unsigned dist;
    from = s->guess[cell] = nearestFrom(s, x, from, &dist);
  }
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
 * Nearest entry of `count` RGB pixels (3 bytes each) into `out` (1 or 2 bytes per index).
 * Returns the sum of squared errors.
 */
__attribute__((export_name("nearestBand"))) double nearestBand(Nearest *s,
                                                                const unsigned char *data,
                                                                int count, void *out,
                                                                int indexBytes) {
  double sse = 0;
  for (int p = 0; p < count; p++) {
    const unsigned char *px = data + p * 3;
    unsigned key = px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16;
    unsigned slot = (key * 0x9e3779b1u) >> (32 - CACHE_BITS);
    int index = s->cacheIndex[slot] - 1;
    unsigned dist;
    if (index >= 0 && s->cacheKey[slot] == key) {
      dist = s->cacheDist[slot];
    } else {
      double x[3] = {px[0], px[1], px[2]};
      int cell = (px[0] >> (8 - GUESS_SHIFT)) | (px[1] >> (8 - GUESS_SHIFT)) << GUESS_SHIFT |
                 (px[2] >> (8 - GUESS_SHIFT)) << (2 * GUESS_SHIFT);
      index = nearestFrom(s, x, s->guess[cell], &dist);
      s->cacheKey[slot] = key;
      s->cacheIndex[slot] = index + 1;
      s->cacheDist[slot] = dist;
    }
    if (indexBytes == 1)
      ((unsigned char *)out)[p] = (unsigned char)index;
    else
      ((unsigned short *)out)[p] = (unsigned short)index;
    sse += dist;
  }
  return sse;
}
