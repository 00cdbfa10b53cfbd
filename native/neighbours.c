#include "kernels.h"

void buildNeighbours(const double *centers, int k, double *half, int *nearAll,
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
