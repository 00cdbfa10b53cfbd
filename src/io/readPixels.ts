import { counted, forUnits, type FitSample } from '../model/fitSample.js';
import type { ImageSource } from './openImage.js';
import { readBands, type ReadBandsOptions } from './readBands.js';
import { readTileBlocks, type TileBlock } from './readTileBlocks.js';

/**
 * Every pixel of the image (or of `rows`) once, in row bands, or with `anyOrder` (for a caller
 * whose results do not depend on the order, like counting colours) in blocks of tiles where the
 * image is a tiled TIFF decoded here: then no row of tiles across the image is held. With
 * `sample`, only the tiles, or the units of rows (see SAMPLE_ROWS) counted from the image's top,
 * it picks; `rowsDone` then counts the rows left out too.
 */
export async function* readPixels(
  source: ImageSource,
  options: ReadBandsOptions & { anyOrder: boolean; sample?: FitSample },
): AsyncGenerator<TileBlock> {
  const { signal, rows, sample } = options;
  if (options.anyOrder && source.tiles) {
    yield* readTileBlocks(source.tiles, { signal, rows, sample });
    return;
  }
  const { from, to } = rows ?? { from: 0, to: source.info.height };
  let reported = from;
  const height = source.info.height;
  const unitRows = source.info.chunkRows ?? 1;
  for (const run of sampledRuns(from, to, height, unitRows, sample))
    for await (const band of readBands(source, { ...options, rows: run, reuseBuffers: true })) {
      const rowsDone = band.y + band.height - reported;
      reported += rowsDone;
      yield { band, left: 0, rowsDone };
    }
}

/**
 * Rows in a unit of a sample of rows, at least: the file's, not the band height, so that the
 * sample (and the output) does not depend on the band height; small, so that it spreads down
 * the image. A unit is the TIFF's tile or strip height where that is more: libvips decodes
 * those whole.
 */
export const SAMPLE_ROWS = 32;

/** The runs of rows [from, to) whose units of `unitRows` rows (from row 0) `sample` picks. */
function sampledRuns(
  from: number,
  to: number,
  imageHeight: number,
  unitRows: number,
  sample: FitSample | undefined,
): { from: number; to: number }[] {
  const height = Math.max(SAMPLE_ROWS, unitRows);
  const picks = forUnits(sample, Math.ceil(imageHeight / height));
  if (!picks || from >= to) return [{ from, to }];
  const runs: { from: number; to: number }[] = [];
  for (let unit = Math.floor(from / height); unit * height < to; unit++) {
    if (!counted(picks, unit)) continue;
    const top = Math.max(from, unit * height);
    const bottom = Math.min(to, (unit + 1) * height);
    const last = runs[runs.length - 1];
    if (last && last.to === top) last.to = bottom;
    else runs.push({ from: top, to: bottom });
  }
  return runs;
}
