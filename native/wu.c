#include "kernels.h"

/* Xiaolin Wu's variance-splitting boxes, the start of k-means on colours. */

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
