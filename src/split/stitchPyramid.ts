import { assemblePyramid } from '../io/tiff/assemblePyramid.js';
import { pyramidLevelOptions, ReducedLevels } from '../io/tiff/ReducedLevels.js';
import type { TiffWriterOptions } from '../io/tiff/TiffWriter.js';
import { levelOneRowBytes, readLevelOneRows } from './levelOneRows.js';

/**
 * A split image's `--pyramid` output: the full resolution is the apply parts' tiles, copied; the
 * reduced levels are built here from the level-1 rows each part reduced its own rows to, exactly
 * as one machine builds them from the full-resolution rows, so the file is byte for byte the one
 * `compress --pyramid` writes. Level 1 holds a quarter of the pixels, and every level below it
 * a quarter of the one above: this stage compresses a third of the image's pixels at most.
 */
export async function stitchPyramid(
  output: string,
  tiff: TiffWriterOptions,
  parts: readonly { path: string; byteCounts: readonly number[] }[],
  levelOnePathOf: (part: number) => string,
): Promise<{ bigtiff: boolean }> {
  const levelOptions = pyramidLevelOptions(tiff);
  const full = { options: levelOptions[0] as TiffWriterOptions, parts };
  const bigtiff = full.options.bigtiff === true;
  const levelOne = levelOptions[1];
  if (!levelOne) {
    await assemblePyramid(output, [full], bigtiff);
    return { bigtiff };
  }
  const levels = await ReducedLevels.create(output, levelOptions);
  try {
    const rowBytes = levelOneRowBytes(full.options, levelOne.width);
    const wide = full.options.layout.kind === 'index' && full.options.layout.bits > 8;
    for (let i = 0; i < parts.length; i++)
      await readLevelOneRows(levelOnePathOf(i), rowBytes, wide, (row) => levels.pushLevelOne(row));
    if (levels.levelOneRows() !== levelOne.height)
      throw new Error(
        `the parts' level-1 rows add up to ${levels.levelOneRows()}, not ${levelOne.height}: run the apply stage again`,
      );
    const reduced = await levels.finish();
    await assemblePyramid(output, [full, ...reduced], bigtiff);
    return { bigtiff };
  } catch (err) {
    await levels.abort(err as Error);
    throw err;
  } finally {
    await levels.removeParts();
  }
}
