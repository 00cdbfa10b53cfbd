import { open, type FileHandle } from 'node:fs/promises';
import type { KeepOutput } from '../../types.js';
import { atomicOutput } from '../tempFiles.js';
import { header, headerBytes, linkIfd } from './ifd.js';
import { tiffChunkRows, tiffDirectory, type TiffImageOptions } from './tiffDirectory.js';

/** Bytes copied at a time: levels are streamed through, never held whole. */
const COPY_BYTES = 4 * 1024 * 1024;
const FOUR_GIB = 2 ** 32;

/**
 * One level's tiles, written by TiffWriter.createPart: the files that hold them in order (one, or
 * a split image's parts) and their compressed sizes.
 */
export interface PyramidLevel {
  options: TiffImageOptions;
  parts: readonly { path: string; byteCounts: readonly number[] }[];
}

function byteCountsOf(level: PyramidLevel): number[] {
  return level.parts.flatMap((p) => p.byteCounts);
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
      byteCounts: byteCountsOf(level),
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
      byteCountsOf(level).map(() => 0),
    ).length;
    at += at % 2;
  }
  const dataAt = new Array<number>(levels.length);
  for (let i = levels.length - 1; i >= 0; i--) {
    dataAt[i] = at;
    at += byteCountsOf(levels[i] as PyramidLevel).reduce((s, n) => s + n, 0);
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
      for (const n of byteCountsOf(level)) {
        offsets.push(offset);
        offset += n;
      }
      const ifd = directory(level, ifdAt[i] as number, offsets);
      linkIfd(ifd, i + 1 < levels.length ? (ifdAt[i + 1] as number) : 0, bigtiff);
      await file.write(ifd, 0, ifd.length, ifdAt[i]);
    }
    const buffer = Buffer.alloc(COPY_BYTES);
    for (let i = levels.length - 1; i >= 0; i--) {
      let at = dataAt[i] as number;
      for (const part of (levels[i] as PyramidLevel).parts) {
        const size = part.byteCounts.reduce((s, n) => s + n, 0);
        await copyInto(file, part.path, size, at, buffer);
        at += size;
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

/** `size` bytes of `path` written at `at`, a buffer at a time; fails on a short or long file. */
async function copyInto(
  file: FileHandle,
  path: string,
  size: number,
  at: number,
  buffer: Buffer,
): Promise<void> {
  const source = await open(path, 'r');
  try {
    const actual = (await source.stat()).size;
    if (actual !== size) throw new Error(`${path}: holds ${actual} bytes, its record says ${size}`);
    for (let done = 0; done < size;) {
      const { bytesRead } = await source.read(buffer, 0, Math.min(COPY_BYTES, size - done), done);
      if (bytesRead === 0) throw new Error(`${path}: ended at byte ${done} of ${size}`);
      await file.write(buffer, 0, bytesRead, at + done);
      done += bytesRead;
    }
  } finally {
    await source.close();
  }
}
