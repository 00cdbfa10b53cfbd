/*
 * The kernels for 3-channel points (colours), compiled together to WebAssembly by
 * native/build.sh (see src/cluster/kernels/): Wu's boxes (wu.c), the Lloyd step (lloyd.c),
 * pass 2's nearest palette entry (nearest.c) and its mapping of decoded tiles on the decode
 * threads (lookup.c), colour counts (count.c).
 * WebAssembly runs at full speed from its first call, where JavaScript spends a one-off run's
 * first tens of milliseconds in slower tiers. No libc; every array is in linear memory, laid
 * out by the caller, so that two threads can share the memory; the partner thread runs on a
 * stack of its own in it (build.sh exports the stack pointer for that).
 */
#ifndef KERNELS_H
#define KERNELS_H

/* How many nearest other centres (or palette entries) each one lists, nearest first. */
#define NEIGHBOURS 24

static inline double sq3(const double *a, const double *b) {
  double e0 = a[0] - b[0], e1 = a[1] - b[1], e2 = a[2] - b[2];
  return e0 * e0 + e1 * e1 + e2 * e2;
}
void buildNeighbours(const double *centers, int k, double *half, int *nearAll,
                     double *nearDistAll, double *beyondAll);
void refreshNeighbours(const double *centers, int k, const double *moved, int mostJ,
                       double most, double secondMost, double *half, int *nearAll,
                       double *nearDistAll, double *beyondAll);

#endif
