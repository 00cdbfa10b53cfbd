/*
 * Pass 2's mapping of decoded tiles to palette indices on the decode threads
 * (src/io/tiff/TileMapper.ts), through the table of answers that nearest.c learned from pass 1's
 * counts: in the kernels, so that each thread reads the one table in the memory it shares with
 * the main thread rather than a copy of its own.
 */

/*
 * `rows` rows of `keepPixels` RGB pixels from `tile`, whose rows are `tileRowBytes` apart, as
 * their palette indices into `out`, a byte each, its rows `outRowPixels` apart. TIFF's horizontal
 * differencing (predictor 2) is undone where `differenced`. An index is `table`'s entry for the
 * colour (packed channel 0 lowest, as nearest.c's), an answer where it is not 0 or where the
 * colour's bit in `known` is set. Returns 1 at the first colour not known (`out` is then partly
 * written), else 0.
 */
__attribute__((export_name("mapTile"))) int mapTile(const unsigned char *tile, int tileRowBytes,
                                                    int rows, int keepPixels, unsigned char *out,
                                                    int outRowPixels, int differenced,
                                                    const unsigned char *table,
                                                    const unsigned *known) {
  for (int r = 0; r < rows; r++) {
    const unsigned char *s = tile + r * tileRowBytes;
    unsigned char *d = out + r * outRowPixels;
    // Running sums wrap at 8 bits, as the differencing did.
    unsigned char a = 0, b = 0, c = 0;
    for (int p = 0; p < keepPixels; p++) {
      if (differenced) {
        a += s[p * 3];
        b += s[p * 3 + 1];
        c += s[p * 3 + 2];
      } else {
        a = s[p * 3];
        b = s[p * 3 + 1];
        c = s[p * 3 + 2];
      }
      const unsigned key = a | (unsigned)b << 8 | (unsigned)c << 16;
      const unsigned char index = table[key];
      if (index == 0 && !(known[key >> 5] >> (key & 31) & 1)) return 1;
      d[p] = index;
    }
  }
  return 0;
}
