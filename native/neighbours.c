#include "kernels.h"

/* Puts centre b at distance v into the sorted list's first t + 1 places (the first t sorted). */
static inline void insertSorted(double *dist, int *near, int t, double v, int b) {
  while (t > 0 && dist[t - 1] > v) {
    dist[t] = dist[t - 1];
    near[t] = near[t - 1];
    t--;
  }
  dist[t] = v;
  near[t] = b;
}

/* Centre a's listed neighbours, their distances and its beyond, found among all k centres. */
static void listNeighbours(const double *centers, int k, int a, int *near, double *dist,
                           double *beyondOut) {
  const int listed = k - 1 < NEIGHBOURS ? k - 1 : NEIGHBOURS;
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
    insertSorted(dist, near, kept++, v, b);
  }
  for (int t = 0; t < listed; t++) dist[t] = __builtin_sqrt(dist[t]);
  *beyondOut = __builtin_sqrt(beyond);
}

void buildNeighbours(const double *centers, int k, double *half, int *nearAll,
                     double *nearDistAll, double *beyondAll) {
  const int listed = k - 1 < NEIGHBOURS ? k - 1 : NEIGHBOURS;
  for (int a = 0; a < k; a++) {
    double *dist = nearDistAll + a * NEIGHBOURS;
    listNeighbours(centers, k, a, nearAll + a * NEIGHBOURS, dist, beyondAll + a);
    half[a] = listed > 0 ? dist[0] / 2 : __builtin_inf();
  }
}

/*
 * The lists kept from the last centres, for centres that have since moved by `moved` (mostJ
 * the most, by `most`; the next by `secondMost`). Each list keeps its centres, at their new
 * distances, and its beyond shrinks by the most the two ends of a pair can have closed in: a
 * bound, no longer a distance, that may fall below listed ones, so readers take the smaller. A
 * list left with fewer than half its entries nearer than its beyond is made again among all the
 * centres: early steps move far and remake most lists, late ones move little and remake few.
 * Keeping a list costs NEIGHBOURS distances a centre where a remake costs k.
 */
void refreshNeighbours(const double *centers, int k, const double *moved, int mostJ,
                       double most, double secondMost, double *half, int *nearAll,
                       double *nearDistAll, double *beyondAll) {
  const int listed = k - 1 < NEIGHBOURS ? k - 1 : NEIGHBOURS;
  if (listed == 0) return;
  for (int a = 0; a < k; a++) {
    int *near = nearAll + a * NEIGHBOURS;
    double *dist = nearDistAll + a * NEIGHBOURS;
    const double beyond = beyondAll[a] - moved[a] - (a == mostJ ? secondMost : most);
    int nearer = 0;
    for (int t = 0; t < listed; t++) {
      const int b = near[t];
      const double v = __builtin_sqrt(sq3(centers + a * 3, centers + b * 3));
      insertSorted(dist, near, t, v, b);
      nearer += v < beyond;
    }
    if (2 * nearer < listed) {
      listNeighbours(centers, k, a, near, dist, beyondAll + a);
      half[a] = dist[0] / 2;
    } else {
      beyondAll[a] = beyond;
      half[a] = dist[0] / 2; /* below beyond: at least half the list is */
    }
  }
}
