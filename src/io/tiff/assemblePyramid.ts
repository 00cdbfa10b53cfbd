import { open } from 'node:fs/promises';
import type { KeepOutput } from '../../types.js';
import { atomicOutput } from '../tempFiles.js';
import { header, headerBytes, linkIfd } from './ifd.js';
import { tiffChunkRows, tiffDirectory, type TiffImageOptions } from './tiffDirectory.js';

/** Bytes copied at a time: levels are streamed through, never held whole. */
const COPY_BYTES = 4 * 1024 * 1024;
const FOUR_GIB = 2 ** 32;

/** One level's tiles, written by TiffWriter.createPart: their file and compressed sizes. */
export interface PyramidLevel {
  options: TiffImageOptions;
  path: string;
  byteCounts: readonly number[];
}

/**
 * Joins the levels of a pyramid (full resolution first) into one tiled TIFF laid out as a
 * Cloud-Optimized GeoTIFF: the header, every IFD (full resolution, then each reduced level, as
 * GDAL lists overviews), then the tiles, smallest level first and the full resolution last, so a
 * viewer reading the start of the file has every directory and the overview it draws first. Tiles
 * are copied as compressed; nothing is encoded again.
 */
export async function assemblePyramid(
  finalPath: string,
  levels: readonly PyramidLevel[],
  bigtiff: boolean,
  keep?: KeepOutput,
): Promise<boolean> {
  const directory = (level: PyramidLevel, ifdAt: number, offsets: readonly number[]) =>
    tiffDirectory(level.options, {
      bigtiff,
      rowsPerChunk: tiffChunkRows(level.options),
      offsets,
      byteCounts: level.byteCounts,
      end: 0,
      ifdAt,
    }).ifd.bytes;
  // IFD sizes do not depend on the offsets they hold: lay them out first.
  const ifdAt: number[] = [];
  let at = headerBytes(bigtiff);
  for (const level of levels) {
    ifdAt.push(at);
    at += directory(
      level,
      at,
      level.byteCounts.map(() => 0),
    ).length;
    at += at % 2;
  }
  const dataAt = new Array<number>(levels.length);
  for (let i = levels.length - 1; i >= 0; i--) {
    dataAt[i] = at;
    at += (levels[i] as PyramidLevel).byteCounts.reduce((s, n) => s + n, 0);
  }
  if (!bigtiff && at > FOUR_GIB)
    throw new Error('the pyramid passes 4 GiB without BigTIFF; write it with bigtiff enabled');

  const output = atomicOutput(finalPath);
  const file = await open(output.tempPath, 'wx');
  try {
    const head = header(bigtiff, ifdAt[0] as number);
    await file.write(head, 0, head.length, 0);
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as PyramidLevel;
      const offsets: number[] = [];
      let offset = dataAt[i] as number;
      for (const n of level.byteCounts) {
        offsets.push(offset);
        offset += n;
      }
      const ifd = directory(level, ifdAt[i] as number, offsets);
      linkIfd(ifd, i + 1 < levels.length ? (ifdAt[i + 1] as number) : 0, bigtiff);
      await file.write(ifd, 0, ifd.length, ifdAt[i]);
    }
    const buffer = Buffer.alloc(COPY_BYTES);
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i] as PyramidLevel;
      const size = level.byteCounts.reduce((s, n) => s + n, 0);
      const source = await open(level.path, 'r');
      try {
        for (let done = 0; done < size;) {
          const { bytesRead } = await source.read(
            buffer,
            0,
            Math.min(COPY_BYTES, size - done),
            done,
          );
          if (bytesRead === 0) throw new Error(`${level.path}: ended at byte ${done} of ${size}`);
          await file.write(buffer, 0, bytesRead, (dataAt[i] as number) + done);
          done += bytesRead;
        }
      } finally {
        await source.close();
      }
    }
    await file.close();
    return await output.commit(keep);
  } catch (err) {
    await file.close().catch(() => {});
    await output.discard();
    throw err;
  }
}
