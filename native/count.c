/* Pass 1: counting the colours of a small image. */

typedef struct {
  /* Open addressing, 2^bits slots: colour + 1 (0: empty slot), and its pixel count. */
  unsigned *keys;
  unsigned *counts;
  int bits;
  int size;
} Counts;

_Static_assert(__builtin_offsetof(Counts, size) == 12, "the caller writes Counts by offset");

/*
 * Counts `pixels` pixels of `stride` bytes (RGB first) into the table; returns how many it
 * counted. It stops before a new colour would fill the table past half, so that every probe
 * ends (an empty slot is always near): the caller then counts the rest another way.
 */
__attribute__((export_name("countBand"))) int countBand(Counts *s, const unsigned char *data,
                                                        int pixels, int stride) {
  const unsigned mask = (1u << s->bits) - 1, shift = 32 - s->bits;
  const int most = 1 << (s->bits - 1);
  unsigned lastKey = 0, lastSlot = 0;
  for (int p = 0; p < pixels; p++) {
    const unsigned char *px = data + p * stride;
    unsigned key = (px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16) + 1;
    if (key != lastKey) {
      unsigned slot = (key * 0x9e3779b1u) >> shift;
      while (s->keys[slot] != key && s->keys[slot] != 0) slot = (slot + 1) & mask;
      if (s->keys[slot] == 0) {
        if (s->size >= most) return p;
        s->keys[slot] = key;
        s->size++;
      }
      lastKey = key;
      lastSlot = slot;
    }
    s->counts[lastSlot]++;
  }
  return pixels;
}

/*
 * Moves the counts into a table of 2^bits slots at keys and counts (zeroed, bigger than the
 * one in use), which the count goes on in.
 */
__attribute__((export_name("countGrow"))) void countGrow(Counts *s, unsigned *keys,
                                                        unsigned *counts, int bits) {
  const unsigned mask = (1u << bits) - 1, shift = 32 - bits;
  for (unsigned slot = 0; slot < 1u << s->bits; slot++) {
    const unsigned key = s->keys[slot];
    if (key == 0) continue;
    unsigned at = (key * 0x9e3779b1u) >> shift;
    while (keys[at] != 0) at = (at + 1) & mask;
    keys[at] = key;
    counts[at] = s->counts[slot];
  }
  s->keys = keys;
  s->counts = counts;
  s->bits = bits;
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

/* Pixels counted one way, chosen by how often colour changes in the first LOOK of them. */
#define STRETCH 4096
#define LOOK 256

static inline unsigned packKey(const unsigned char *px) {
  return px[0] | (unsigned)px[1] << 8 | (unsigned)px[2] << 16;
}

/* Runs of one colour added at once: fast where colour changes seldom (scans, graphics). */
static void countRuns(unsigned *table, unsigned char *pages, const unsigned char *data,
                      int pixels, int stride) {
  unsigned last = packKey(data), run = 0;
  for (int p = 0; p < pixels; p++) {
    unsigned key = packKey(data + p * stride);
    if (key != last) {
      table[last] += run;
      pages[last >> 10] = 1;
      last = key;
      run = 0;
    }
    run++;
  }
  table[last] += run;
  pages[last >> 10] = 1;
}

/*
 * Every pixel added on its own: no branch to mispredict, where colour changes at every few
 * pixels (a photo upscaled 10x changes at 37% of its pixels: 3.1-4.6 ns a pixel here against
 * 4.5-6.4 for runs), but each add waits on the one before where it does not.
 */
static void countEach(unsigned *table, unsigned char *pages, const unsigned char *data,
                      int pixels, int stride) {
  for (int p = 0; p < pixels; p++) {
    unsigned key = packKey(data + p * stride);
    table[key]++;
    pages[key >> 10] = 1;
  }
}

/*
 * Pass 1 of a big image: every pixel counted in the full 2^24 table by its first three channels
 * (channel 0 lowest), in stretches counted by runs or pixel by pixel, whichever suits how often
 * the colour changes there. `pages` marks each block of 1024 entries that holds a count, so that
 * reading the table back skips the blocks never written: reading them would make the memory
 * resident for nothing.
 */
__attribute__((export_name("countTable"))) void countTable(unsigned *table, unsigned char *pages,
                                                           const unsigned char *data, int pixels,
                                                           int stride) {
  for (int from = 0; from < pixels; from += STRETCH) {
    const int n = pixels - from < STRETCH ? pixels - from : STRETCH;
    const unsigned char *stretch = data + from * stride;
    const int look = n < LOOK ? n : LOOK;
    unsigned changes = 0, last = packKey(stretch);
    for (int p = 1; p < look; p++) {
      unsigned key = packKey(stretch + p * stride);
      changes += key != last;
      last = key;
    }
    /* Past one change in five, runs cost more than their branch saves. */
    if (changes * 5 > (unsigned)look)
      countEach(table, pages, stretch, n, stride);
    else
      countRuns(table, pages, stretch, n, stride);
  }
}
