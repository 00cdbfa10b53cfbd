import { open } from 'node:fs/promises';
import { headerBytes } from './ifd.js';
import { atomicOutput } from '../tempFiles.js';
import { isBigTiff, tiffChunkRows, tiffDirectory, type TiffImageOptions } from './tiffDirectory.js';

/** Bytes copied at a time: parts are streamed through, never held whole. */
const COPY_BYTES = 4 * 1024 * 1024;

/**
 * Joins parts written by TiffWriter.createPart (in row order, together covering the image) into
 * one TIFF under `finalPath`: the header, each part's chunks copied as they are, the directory.
 * The file is byte for byte the one TiffWriter.create writes from the same rows, since a chunk's
 * bytes do not depend on where it is written, and every offset follows from the sizes before it.
 */
export async function stitchTiff(
  finalPath: string,
  options: TiffImageOptions,
  parts: readonly { path: string; byteCounts: readonly number[] }[],
): Promise<{ bigtiff: boolean; bytes: number }> {
  const bigtiff = isBigTiff(options);
  const output = atomicOutput(finalPath);
  const file = await open(output.tempPath, 'wx');
  try {
    let offset = headerBytes(bigtiff);
    const offsets: number[] = [];
    const byteCounts: number[] = [];
    const buffer = Buffer.alloc(COPY_BYTES);
    for (const part of parts) {
      const expected = part.byteCounts.reduce((s, n) => s + n, 0);
      const source = await open(part.path, 'r');
      try {
        const { size } = await source.stat();
        if (size !== expected)
          throw new Error(`${part.path}: holds ${size} bytes, its record says ${expected}`);
        for (let at = 0; at < size;) {
          const { bytesRead } = await source.read(buffer, 0, Math.min(COPY_BYTES, size - at), at);
          if (bytesRead === 0) throw new Error(`${part.path}: ended at byte ${at} of ${size}`);
          await file.write(buffer, 0, bytesRead, offset + at);
          at += bytesRead;
        }
      } finally {
        await source.close();
      }
      for (const n of part.byteCounts) {
        offsets.push(offset);
        byteCounts.push(n);
        offset += n;
      }
    }
    const { ifd, head } = tiffDirectory(options, {
      bigtiff,
      rowsPerChunk: tiffChunkRows(options),
      offsets,
      byteCounts,
      end: offset,
    });
    await file.write(ifd.bytes, 0, ifd.bytes.length, ifd.at);
    await file.write(head, 0, head.length, 0);
    await file.close();
    await output.commit();
    return { bigtiff, bytes: ifd.at + ifd.bytes.length };
  } catch (err) {
    await file.close().catch(() => {});
    await output.discard();
    throw err;
  }
}
