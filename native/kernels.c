/*
 * The k-means kernels for 3-channel points (colours), compiled to WebAssembly (see
 * native/build.sh and src/cluster/kernels.ts): Wu's boxes to start from, and the Lloyd step.
 * WebAssembly runs at full speed from its first call, where JavaScript spends a one-off run's
 * first tens of milliseconds in slower tiers. No libc, and no stack use: every array is in
 * linear memory, laid out by the caller, so two threads can share the memory.
 */
#define NEIGHBOURS 24

typedef struct {
  /* Pointers and integers first, doubles last: the caller writes this block by offset. */
  const double *points;  /* n x 3 */
  const double *weights; /* n */
  int *labels;           /* n; -1: no centre yet */
  double *upper;         /* n: >= distance to own centre */
  double *lower;         /* n: <= distance to any other centre */
  const double *centers; /* k x 3 */
  int k;
  /* Per step, from neighbours(): */
  double *half;     /* k: half the distance to the nearest other centre */
  int *near;        /* k x NEIGHBOURS: nearest other centres, nearest first */
  double *nearDist; /* k x NEIGHBOURS */
  double *beyond;   /* k: distance to the first centre not listed (or +inf) */
  /* How far each centre moved since the bounds were set, and which moved most. */
  const double *moved;
  int mostJ;
  int hasDrift;
  /* Out: weighted sums (k x 3) and masses (k) of the points assigned. */
  double *sums;
  double *mass;
  /* The two largest moves. */
  double most;
  double secondMost;
} Step;

_Static_assert(__builtin_offsetof(Step, most) == 64, "the caller writes Step by offset");

static inline double sq3(const double *a, const double *b) {
  double e0 = a[0] - b[0], e1 = a[1] - b[1], e2 = a[2] - b[2];
  return e0 * e0 + e1 * e1 + e2 * e2;
}

/*
 * For each centre: half the distance to its nearest other centre, its NEIGHBOURS nearest other
 * centres in order with their distances, and the distance to the first one not listed.
 */
static void buildNeighbours(const double *centers, int k, double *half, int *nearAll,
                            double *nearDistAll, double *beyondAll) {
  const int listed = k - 1 < NEIGHBOURS ? k - 1 : NEIGHBOURS;
  for (int a = 0; a < k; a++) {
    int *near = nearAll + a * NEIGHBOURS;
    double *dist = nearDistAll + a * NEIGHBOURS;
    double beyond = __builtin_inf();
    int kept = 0;
    for (int b = 0; b < k; b++) {
      if (b == a) continue;
      double v = sq3(centers + a * 3, centers + b * 3);
      if (kept == listed) {
        double last = dist[listed - 1];
        if (v >= last) {
          if (v < beyond) beyond = v;
          continue;
        }
        if (last < beyond) beyond = last;
        kept--;
      }
      int t = kept;
      while (t > 0 && dist[t - 1] > v) {
        dist[t] = dist[t - 1];
        near[t] = near[t - 1];
        t--;
      }
      dist[t] = v;
      near[t] = b;
      kept++;
    }
    for (int t = 0; t < listed; t++) dist[t] = __builtin_sqrt(dist[t]);
    beyondAll[a] = __builtin_sqrt(beyond);
    half[a] = listed > 0 ? dist[0] / 2 : __builtin_inf();
  }
}

__attribute__((export_name("neighbours"))) void neighbours(Step *s) {
  buildNeighbours(s->centers, s->k, s->half, s->near, s->nearDist, s->beyond);
}

/* Exact nearest and second nearest by looking at every centre (lowest index on ties). */
static int brute(const Step *s, const double *x, double *best, double *second) {
  double b = __builtin_inf(), sec = __builtin_inf();
  int bj = -1;
  for (int j = 0; j < s->k; j++) {
    double dd = sq3(x, s->centers + j * 3);
    if (dd < b) {
      sec = b;
      b = dd;
      bj = j;
    } else if (dd < sec)
      sec = dd;
  }
  *best = __builtin_sqrt(b);
  *second = __builtin_sqrt(sec);
  return bj;
}

/* Points from..to-1: loosen the bounds by the drift, assign, and sum. Returns labels changed. */
__attribute__((export_name("step"))) int step(Step *s, int from, int to) {
  const int listed = s->k - 1 < NEIGHBOURS ? s->k - 1 : NEIGHBOURS;
  int changed = 0;
  for (int j = 0; j < s->k * 3; j++) s->sums[j] = 0;
  for (int j = 0; j < s->k; j++) s->mass[j] = 0;
  for (int i = from; i < to; i++) {
    const double *x = s->points + i * 3;
    int own = s->labels[i];
    double up = s->upper[i], lo = s->lower[i];
    if (s->hasDrift && own >= 0) {
      up += s->moved[own];
      lo -= own == s->mostJ ? s->secondMost : s->most;
    }
    int label = own;
    if (own < 0) {
      label = brute(s, x, &up, &lo);
      changed++;
    } else {
      double bound = s->half[own] > lo ? s->half[own] : lo;
      if (up > bound) {
        double ux = __builtin_sqrt(sq3(x, s->centers + own * 3));
        up = ux;
        if (ux > bound) {
          /* Squared distances; a square root only when the best changes. */
          double best = ux, best2 = ux * ux, second2 = __builtin_inf();
          int bestJ = own;
          double edge = s->beyond[own];
          const int *near = s->near + own * NEIGHBOURS;
          const double *nd = s->nearDist + own * NEIGHBOURS;
          for (int t = 0; t < listed; t++) {
            if (nd[t] > ux + best) {
              edge = nd[t];
              break;
            }
            int j = near[t];
            double dd = sq3(x, s->centers + j * 3);
            if (dd < best2 || (dd == best2 && j < bestJ)) {
              second2 = best2;
              best2 = dd;
              best = __builtin_sqrt(dd);
              bestJ = j;
            } else if (dd < second2)
              second2 = dd;
          }
          double second = __builtin_sqrt(second2);
          double far = edge - ux;
          if (far <= best)
            bestJ = brute(s, x, &best, &second);
          else if (far < second)
            second = far;
          if (bestJ != own) changed++;
          label = bestJ;
          up = best;
          lo = second;
        }
      }
    }
    s->labels[i] = label;
    s->upper[i] = up;
    s->lower[i] = lo;
    double w = s->weights[i];
    s->mass[label] += w;
    s->sums[label * 3] += w * x[0];
    s->sums[label * 3 + 1] += w * x[1];
    s->sums[label * 3 + 2] += w * x[2];
  }
  return changed;
}

/* ---- Wu's boxes ---- */

#define CELLS 64
#define SIDE (CELLS + 1)
#define TABLE (SIDE * SIDE * SIDE)

/* Per cell: weight, the three weighted channel sums, the weighted squared norm; kept together so
 * that the eight corners of a box bring all five in eight cache lines. */
typedef struct {
  double w, r, g, b, m2;
} Moments;

/* Bytes of scratch wu() needs for n points and k boxes (8-byte aligned). */
__attribute__((export_name("wuScratchBytes"))) int wuScratchBytes(int n, int k) {
  return TABLE * (int)sizeof(Moments) + ((n + TABLE + 6 * k + 1) * 4 + 7) / 8 * 8 + k * 8;
}

/* Sum over box b (r0, g0, b0, r1, g1, b1; lower bounds exclusive) of the cumulative table. */
static Moments volume(const Moments *t, const int *b) {
  const int r0 = b[0] * SIDE * SIDE, g0 = b[1] * SIDE, b0 = b[2];
  const int r1 = b[3] * SIDE * SIDE, g1 = b[4] * SIDE, b1 = b[5];
  const Moments *c[8] = {t + r1 + g1 + b1, t + r1 + g1 + b0, t + r1 + g0 + b1, t + r1 + g0 + b0,
                         t + r0 + g1 + b1, t + r0 + g1 + b0, t + r0 + g0 + b1, t + r0 + g0 + b0};
  Moments m;
  m.w = c[0]->w - c[1]->w - c[2]->w + c[3]->w - c[4]->w + c[5]->w + c[6]->w - c[7]->w;
  m.r = c[0]->r - c[1]->r - c[2]->r + c[3]->r - c[4]->r + c[5]->r + c[6]->r - c[7]->r;
  m.g = c[0]->g - c[1]->g - c[2]->g + c[3]->g - c[4]->g + c[5]->g + c[6]->g - c[7]->g;
  m.b = c[0]->b - c[1]->b - c[2]->b + c[3]->b - c[4]->b + c[5]->b + c[6]->b - c[7]->b;
  m.m2 = c[0]->m2 - c[1]->m2 - c[2]->m2 + c[3]->m2 - c[4]->m2 + c[5]->m2 + c[6]->m2 - c[7]->m2;
  return m;
}

/* Squared error of a box about its mean. */
static double boxError(const Moments *t, const int *b) {
  Moments m = volume(t, b);
  if (!(m.w > 0)) return 0;
  return m.m2 - (m.r * m.r + m.g * m.g + m.b * m.b) / m.w;
}

static void add(Moments *to, const Moments *from) {
  to->w += from->w;
  to->r += from->r;
  to->g += from->g;
  to->b += from->b;
  to->m2 += from->m2;
}

static void sub(Moments *to, const Moments *from) {
  to->w -= from->w;
  to->r -= from->r;
  to->g -= from->g;
  to->b -= from->b;
  to->m2 -= from->m2;
}

/*
 * Splits the grid (over the points' range, CELLS per axis) into k boxes, each time cutting the
 * box of greatest squared error where the cut leaves the least. Writes each box's weighted mean
 * to centers and each point's box to labels. Returns the boxes made: fewer than k when the
 * points sit in too few cells.
 */
__attribute__((export_name("wu"))) int wu(const double *pts, const double *w, int n, int k,
                                          double *centers, int *labels, double *scratch) {
  Moments *m = (Moments *)scratch;
  int *cellOf = (int *)(m + TABLE);
  int *boxOfCell = cellOf + n;
  int *boxes = boxOfCell + TABLE + 1;
  double *error = (double *)(m + TABLE) + ((n + TABLE + 6 * k + 1) * 4 + 7) / 8;
  __builtin_memset(m, 0, TABLE * sizeof(Moments));

  double lo[3], scale[3];
  for (int c = 0; c < 3; c++) {
    double mn = __builtin_inf(), mx = -__builtin_inf();
    for (int i = 0; i < n; i++) {
      double v = pts[i * 3 + c];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    lo[c] = mn;
    scale[c] = CELLS / (mx - mn > 0 ? mx - mn : 1);
  }
  for (int i = 0; i < n; i++) {
    int cell = 0;
    for (int c = 0; c < 3; c++) {
      int at = (int)((pts[i * 3 + c] - lo[c]) * scale[c]);
      cell = cell * SIDE + (at < CELLS - 1 ? at : CELLS - 1) + 1;
    }
    cellOf[i] = cell;
    const double *x = pts + i * 3;
    double wi = w[i];
    Moments *t = m + cell;
    t->w += wi;
    t->r += wi * x[0];
    t->g += wi * x[1];
    t->b += wi * x[2];
    t->m2 += wi * (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  }
  /* Cumulative sums: each entry becomes the sum over the box from the origin to it. Index 0 on
   * each axis is an empty border. */
  for (int r = 1; r < SIDE; r++) {
    for (int g = 1; g < SIDE; g++) {
      const int row = (r * SIDE + g) * SIDE;
      for (int b = 1; b < SIDE; b++) {
        Moments *t = m + row + b;
        add(t, t - 1);
        add(t, t - SIDE);
        sub(t, t - SIDE - 1);
      }
    }
    const int plane = r * SIDE * SIDE;
    for (int at = plane; at < plane + SIDE * SIDE; at++) add(m + at, m + at - SIDE * SIDE);
  }

  boxes[0] = boxes[1] = boxes[2] = 0;
  boxes[3] = boxes[4] = boxes[5] = CELLS;
  error[0] = boxError(m, boxes);
  int count = 1;
  while (count < k) {
    int next = -1;
    for (int b = 0; b < count; b++)
      if (error[b] > 0 && (next < 0 || error[b] > error[next])) next = b;
    if (next < 0) break;
    int *box = boxes + next * 6;
    Moments whole = volume(m, box);
    double best = -__builtin_inf();
    int bestAxis = -1, bestAt = 0;
    int half[6];
    for (int axis = 0; axis < 3; axis++) {
      for (int at = box[axis] + 1; at < box[axis + 3]; at++) {
        for (int i = 0; i < 6; i++) half[i] = box[i];
        half[axis + 3] = at;
        Moments h = volume(m, half);
        double ow = whole.w - h.w;
        if (!(h.w > 0) || !(ow > 0)) continue;
        double orr = whole.r - h.r, og = whole.g - h.g, ob = whole.b - h.b;
        double score =
            (h.r * h.r + h.g * h.g + h.b * h.b) / h.w + (orr * orr + og * og + ob * ob) / ow;
        if (score > best) {
          best = score;
          bestAxis = axis;
          bestAt = at;
        }
      }
    }
    if (bestAxis < 0) {
      error[next] = 0;
      continue;
    }
    int *fresh = boxes + count * 6;
    for (int i = 0; i < 6; i++) fresh[i] = box[i];
    box[bestAxis + 3] = bestAt;
    fresh[bestAxis] = bestAt;
    error[next] = boxError(m, box);
    error[count] = boxError(m, fresh);
    count++;
  }

  for (int b = 0; b < count; b++) {
    const int *box = boxes + b * 6;
    for (int r = box[0] + 1; r <= box[3]; r++)
      for (int g = box[1] + 1; g <= box[4]; g++)
        for (int c = box[2] + 1; c <= box[5]; c++) boxOfCell[(r * SIDE + g) * SIDE + c] = b;
    Moments t = volume(m, box);
    centers[b * 3] = t.r / t.w;
    centers[b * 3 + 1] = t.g / t.w;
    centers[b * 3 + 2] = t.b / t.w;
  }
  for (int i = 0; i < n; i++) labels[i] = boxOfCell[cellOf[i]];
  return count;
}

/* ---- Pass 2: the nearest palette entry of every pixel ---- */

#define CACHE_BITS 18

typedef struct {
  /* Pointers and integers first, as Step. */
  const double *palette; /* k x 3 */
  int k;
  double *half; /* unused here; buildNeighbours writes it */
  int *near;
  double *nearDist;
  double *beyond;
  /* A direct-mapped cache of answers: packed colour, index (-1: empty), squared distance. */
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
  for (int i = 0; i < 1 << CACHE_BITS; i++) s->cacheIndex[i] = -1;
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
    int index = s->cacheIndex[slot];
    unsigned dist;
    if (index >= 0 && s->cacheKey[slot] == key) {
      dist = s->cacheDist[slot];
    } else {
      double x[3] = {px[0], px[1], px[2]};
      int cell = (px[0] >> (8 - GUESS_SHIFT)) | (px[1] >> (8 - GUESS_SHIFT)) << GUESS_SHIFT |
                 (px[2] >> (8 - GUESS_SHIFT)) << (2 * GUESS_SHIFT);
      index = nearestFrom(s, x, s->guess[cell], &dist);
      s->cacheKey[slot] = key;
      s->cacheIndex[slot] = index;
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

/* ---- Pass 1: counting the colours of a small image ---- */

typedef struct {
  /* Open addressing, 2^bits slots: colour + 1 (0: empty slot), and its pixel count. */
  unsigned *keys;
  unsigned *counts;
  int bits;
  int size;
} Counts;

_Static_assert(__builtin_offsetof(Counts, size) == 12, "the caller writes Counts by offset");

/* Counts `pixels` pixels of `stride` bytes (RGB first) into the table. */
__attribute__((export_name("countBand"))) void countBand(Counts *s, const unsigned char *data,
                                                         int pixels, int stride) {
  const unsigned mask = (1u << s->bits) - 1, shift = 32 - s->bits;
  unsigned lastKey = 0, lastSlot = 0;
  for (int p = 0; p < pixels; p++) {
    const unsigned char *px = data + p * stride;
    unsigned key = (px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16) + 1;
    if (key != lastKey) {
      unsigned slot = (key * 0x9e3779b1u) >> shift;
      while (s->keys[slot] != key && s->keys[slot] != 0) slot = (slot + 1) & mask;
      if (s->keys[slot] == 0) {
        s->keys[slot] = key;
        s->size++;
      }
      lastKey = key;
      lastSlot = slot;
    }
    s->counts[lastSlot]++;
  }
}

/*
 * The colours counted, in colour order (packed channel 0 first, as the 2^24 table gives them):
 * colours as 3 bytes each, counts as doubles. `scratch`: 4 x size + 4096 unsigned.
 */
__attribute__((export_name("countEntries"))) void countEntries(const Counts *s,
                                                               unsigned char *colors,
                                                               double *weights, unsigned *scratch) {
  unsigned *key = scratch, *count = scratch + s->size, *key2 = scratch + 2 * s->size,
           *count2 = scratch + 3 * s->size;
  int at = 0;
  for (unsigned slot = 0; slot < 1u << s->bits; slot++)
    if (s->keys[slot] != 0) {
      key[at] = s->keys[slot] - 1;
      count[at++] = s->counts[slot];
    }
  /* Two passes of a 12-bit radix sort. */
  for (int pass = 0; pass < 2; pass++) {
    const int shift = pass * 12;
    unsigned *from = pass == 0 ? key : key2, *fromCount = pass == 0 ? count : count2;
    unsigned *to = pass == 0 ? key2 : key, *toCount = pass == 0 ? count2 : count;
    int *start = (int *)(scratch + 4 * s->size);
    for (int b = 0; b < 4096; b++) start[b] = 0;
    for (int i = 0; i < at; i++) start[(from[i] >> shift) & 4095]++;
    int sum = 0;
    for (int b = 0; b < 4096; b++) {
      int c = start[b];
      start[b] = sum;
      sum += c;
    }
    for (int i = 0; i < at; i++) {
      int d = start[(from[i] >> shift) & 4095]++;
      to[d] = from[i];
      toCount[d] = fromCount[i];
    }
  }
  for (int i = 0; i < at; i++) {
    colors[i * 3] = (unsigned char)key[i];
    colors[i * 3 + 1] = (unsigned char)(key[i] >> 8);
    colors[i * 3 + 2] = (unsigned char)(key[i] >> 16);
    weights[i] = count[i];
  }
}
