#include "kernels.h"

/*
 * Xiaolin Wu's variance-splitting boxes, the start of k-means on colours: the colour range cut
 * into CELLS per channel, and boxes of cells split one at a time. Each box keeps its points as a
 * range of an index array, so that a split counts only the points of the box it cuts (a box's
 * moments along an axis, cell by cell) and then partitions them. The classic form keeps
 * cumulative moments of every cell, 65^3 x 40 bytes: 11 MB to clear and sum, which cost a
 * photo of 44 K colours more than its k-means steps; the points of the boxes split add up to
 * about n log2(k).
 */

#define CELLS 64

/* Weight, the three weighted channel sums, the weighted squared norm. */
typedef struct {
  double w, r, g, b, m2;
} Moments;

/* The same without the squared norm: what scoring a cut needs. */
typedef struct {
  double w, r, g, b;
} Sums;

/* One box: its cells (lower bounds exclusive, upper inclusive, 0..CELLS), points, moments. */
typedef struct {
  int lo[3], hi[3];
  int from, to;
  Moments m;
  double error;
} Box;

/* Bytes of scratch wu() needs for n points and k boxes (8-byte aligned). */
__attribute__((export_name("wuScratchBytes"))) int wuScratchBytes(int n, int k) {
  return k * (int)sizeof(Box) + 3 * (CELLS + 1) * (int)sizeof(Sums) + (n * 4 + 7) / 8 * 8 +
         (n * 3 + 7) / 8 * 8;
}

static void add(Moments *to, const Moments *from) {
  to->w += from->w;
  to->r += from->r;
  to->g += from->g;
  to->b += from->b;
  to->m2 += from->m2;
}

/* Squared error of a box's points about their mean. */
static double errorOf(const Moments *m) {
  if (!(m->w > 0)) return 0;
  return m->m2 - (m->r * m->r + m->g * m->g + m->b * m->b) / m->w;
}

static Moments pointMoments(const double *pts, const double *w, int i) {
  const double *x = pts + i * 3;
  const double wi = w[i];
  const double norm = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
  Moments m = {wi, wi * x[0], wi * x[1], wi * x[2], wi * norm};
  return m;
}

/*
 * Splits the grid (over the points' range, CELLS per axis) into k boxes, each time cutting the
 * box of greatest squared error where the cut leaves the least. Writes each box's weighted mean
 * to centers and each point's box to labels. Returns the boxes made: fewer than k when the
 * points sit in too few cells.
 */
__attribute__((export_name("wu"))) int wu(const double *pts, const double *w, int n, int k,
                                          double *centers, int *labels, double *scratch) {
  Box *boxes = (Box *)scratch;
  Sums *hist = (Sums *)(boxes + k); /* 3 x (CELLS + 1): one row per axis */
  int *order = (int *)(hist + 3 * (CELLS + 1));
  unsigned char *cell = (unsigned char *)(order + (n + 1) / 2 * 2);

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
  Box *first = boxes;
  *first = (Box){{0, 0, 0}, {CELLS, CELLS, CELLS}, 0, n, {0, 0, 0, 0, 0}, 0};
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < 3; c++) {
      int at = (int)((pts[i * 3 + c] - lo[c]) * scale[c]);
      cell[i * 3 + c] = (unsigned char)((at < CELLS - 1 ? at : CELLS - 1) + 1);
    }
    order[i] = i;
    Moments m = pointMoments(pts, w, i);
    add(&first->m, &m);
  }
  first->error = errorOf(&first->m);

  int count = 1;
  while (count < k) {
    int next = -1;
    for (int b = 0; b < count; b++)
      if (boxes[b].error > 0 && (next < 0 || boxes[b].error > boxes[next].error)) next = b;
    if (next < 0) break;
    Box *box = boxes + next;
    const Moments whole = box->m;
    /* Cuts are scored without the squared norms: they come in with the partition. */
    for (int i = 0; i < 3 * (CELLS + 1); i++) hist[i] = (Sums){0, 0, 0, 0};
    for (int p = box->from; p < box->to; p++) {
      const int i = order[p];
      const double *x = pts + i * 3;
      const double wi = w[i], r = wi * x[0], g = wi * x[1], b = wi * x[2];
      const unsigned char *at = cell + i * 3;
      for (int axis = 0; axis < 3; axis++) {
        Sums *h = hist + axis * (CELLS + 1) + at[axis];
        h->w += wi, h->r += r, h->g += g, h->b += b;
      }
    }
    double best = -__builtin_inf();
    int bestAxis = -1, bestAt = 0;
    Sums bestLow = {0, 0, 0, 0};
    for (int axis = 0; axis < 3; axis++) {
      Sums h = {0, 0, 0, 0};
      for (int at = box->lo[axis] + 1; at < box->hi[axis]; at++) {
        const Sums *c = hist + axis * (CELLS + 1) + at;
        h.w += c->w, h.r += c->r, h.g += c->g, h.b += c->b;
        double ow = whole.w - h.w;
        if (!(h.w > 0) || !(ow > 0)) continue;
        double orr = whole.r - h.r, og = whole.g - h.g, ob = whole.b - h.b;
        double score =
            (h.r * h.r + h.g * h.g + h.b * h.b) / h.w + (orr * orr + og * og + ob * ob) / ow;
        if (score > best) {
          best = score;
          bestAxis = axis;
          bestAt = at;
          bestLow = h;
        }
      }
    }
    if (bestAxis < 0) {
      box->error = 0;
      continue;
    }
    /* The points at or below the cut first, the others after. */
    int mid = box->from;
    double lowM2 = 0;
    for (int p = box->from; p < box->to; p++) {
      const int i = order[p];
      if (cell[i * 3 + bestAxis] <= bestAt) {
        const double *x = pts + i * 3;
        lowM2 += w[i] * (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        order[p] = order[mid];
        order[mid++] = i;
      }
    }
    Box *fresh = boxes + count;
    *fresh = *box;
    box->hi[bestAxis] = bestAt;
    box->to = mid;
    box->m = (Moments){bestLow.w, bestLow.r, bestLow.g, bestLow.b, lowM2};
    fresh->lo[bestAxis] = bestAt;
    fresh->from = mid;
    fresh->m = (Moments){whole.w - bestLow.w, whole.r - bestLow.r, whole.g - bestLow.g,
                         whole.b - bestLow.b, whole.m2 - lowM2};
    box->error = errorOf(&box->m);
    fresh->error = errorOf(&fresh->m);
    count++;
  }

  for (int b = 0; b < count; b++) {
    const Box *box = boxes + b;
    centers[b * 3] = box->m.r / box->m.w;
    centers[b * 3 + 1] = box->m.g / box->m.w;
    centers[b * 3 + 2] = box->m.b / box->m.w;
    for (int p = box->from; p < box->to; p++) labels[order[p]] = b;
  }
  return count;
}
