/*
 * The Lloyd step for 3-channel points (colours): Hamerly's bounds, and a search through the own
 * centre's listed neighbours (Exponion's ball), by brute force past the list. Also run by the
 * partner thread on its half of the points.
 */
#include "kernels.h"

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
  double *beyond;   /* k: distance to the first centre not listed (or +inf), or a lower bound
                       of it that may be below listed ones (see refreshNeighbours) */
  /* How far each centre moved since the bounds were set, and which moved most. */
  const double *moved;
  int mostJ;
  int hasDrift;
  /* Out: weighted sums (k x 3) and masses (k) of the points assigned. */
  double *sums;
  double *mass;
  /* k: the most any centre now listed as a neighbour moved (set by neighbours() with drift). */
  double *nearMove;
  int pad;
  /* The two largest moves. */
  double most;
  double secondMost;
} Step;

_Static_assert(__builtin_offsetof(Step, most) == 72, "the caller writes Step by offset");

/* The lists for this step's centres: made afresh at a run's first step, kept up after. */
__attribute__((export_name("neighbours"))) void neighbours(Step *s) {
  if (!s->hasDrift) {
    buildNeighbours(s->centers, s->k, s->half, s->near, s->nearDist, s->beyond);
    return;
  }
  refreshNeighbours(s->centers, s->k, s->moved, s->mostJ, s->most, s->secondMost, s->half,
                    s->near, s->nearDist, s->beyond);
  const int listed = s->k - 1 < NEIGHBOURS ? s->k - 1 : NEIGHBOURS;
  for (int a = 0; a < s->k; a++) {
    double most = 0;
    for (int t = 0; t < listed; t++) {
      double m = s->moved[s->near[a * NEIGHBOURS + t]];
      if (m > most) most = m;
    }
    s->nearMove[a] = most;
  }
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
      /*
       * Hamerly's lower bound falls by the most any other centre moved, one far mover lowering
       * every point's. Bounded apart: a centre listed beside the own one is no nearer than the
       * bound less its move (nearMove: the most of those), an unlisted one no nearer than the
       * own centre's beyond less the point's distance to it. The larger bound wins.
       */
      const double global = lo - (own == s->mostJ ? s->secondMost : s->most);
      const double viaList = lo - s->nearMove[own], viaBeyond = s->beyond[own] - up;
      const double local = viaList < viaBeyond ? viaList : viaBeyond;
      lo = local > global ? local : global;
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
              if (nd[t] < edge) edge = nd[t];
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
