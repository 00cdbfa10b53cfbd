import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { GigaquantError, throwIfAborted } from '../errors.js';
import type { IndexBand } from '../types.js';
import { parseNpyHeader } from './npy.js';
import { openImage, type ImageSource } from './openImage.js';
import { describe } from './probeImage.js';
import { openPixels } from './sharpInput.js';
import type { Rect } from './readBands.js';

/** A label image (one palette index per pixel) read band by band. */
export interface LabelSource {
  path: string;
  /** 'npy', or the image format sharp names. */
  format: string;
  width: number;
  height: number;
  bits: 8 | 16;
  fileBytes: number;
  /** Rows y..y+rows-1 as indices. */
  read(y: number, rows: number): Promise<IndexBand>;
  close(): Promise<void>;
}

export interface OpenLabelsOptions {
  maxPixels: number;
  tmpDir: string;
  signal?: AbortSignal;
}

/**
 * Opens a label image as gigaquant writes them: a one-channel 8- or 16-bit PNG or TIFF (read in
 * place or spooled, as any input), or a 2-D uint8/uint16 .npy (read by byte ranges).
 */
export async function openLabels(path: string, options: OpenLabelsOptions): Promise<LabelSource> {
  if (extname(path).toLowerCase() === '.npy') return openNpyLabels(path);
  const source = await openImage(path, { ...options, keepGreyDepth: true });
  const { info } = source;
  const bits = info.sourceDepth === 'uchar' ? 8 : info.sourceDepth === 'ushort' ? 16 : undefined;
  if (info.channels !== 1 || !bits) {
    await source.close();
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: not a label image: it has ${info.channels} channel(s) of ${info.sourceDepth}, and labels are one grey channel of 8- or 16-bit indices (write them with compress --labels)`,
      { file: path },
    );
  }
  return {
    path,
    format: info.format,
    width: info.width,
    height: info.height,
    bits,
    fileBytes: info.fileBytes,
    read: (y, rows) => readImageRows(source, bits, y, rows),
    close: () => source.close(),
  };
}

async function readImageRows(
  source: ImageSource,
  bits: 8 | 16,
  y: number,
  rows: number,
): Promise<IndexBand> {
  const { width, path } = source.info;
  let indices: Uint8Array | Uint16Array;
  try {
    indices = await readLabelPixels(
      source.readPath,
      bits,
      { left: 0, top: y, width, height: rows },
      source.readPage,
    );
  } catch (err) {
    throw new GigaquantError(
      'E_INPUT_CORRUPT',
      `${path}: cannot read rows ${y}-${y + rows - 1} (${describe(err)})`,
      { file: path, cause: err },
    );
  }
  if (indices.length !== width * rows)
    throw new GigaquantError('E_INPUT_CORRUPT', `${path}: decoder gave an unexpected band size`, {
      file: path,
    });
  return { y, height: rows, width, indices };
}

/** A rectangle of a one-channel label image (PNG or TIFF) as its 8- or 16-bit indices. */
export async function readLabelPixels(
  path: string,
  bits: 8 | 16,
  rect: Rect,
  page?: number,
): Promise<Uint8Array | Uint16Array> {
  const data = await openPixels(path, page)
    .extract(rect)
    // Without this, sharp converts to sRGB on the way out: three channels, 16-bit rescaled.
    .toColourspace(bits === 16 ? 'grey16' : 'b-w')
    .raw({ depth: bits === 16 ? 'ushort' : 'uchar' })
    .toBuffer();
  // libvips hands 16-bit samples over in the machine's byte order, which is what Uint16Array reads.
  return bits === 8
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** A 2-D uint8/uint16 .npy of labels, whatever its name (gigaquant reads its own under a temporary one). */
export async function openNpyLabels(path: string): Promise<LabelSource> {
  const fail = (problem: string, cause?: unknown) =>
    new GigaquantError('E_INPUT_CORRUPT', `${path}: ${problem}`, { file: path, cause });
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GigaquantError(
      code === 'ENOENT' ? 'E_INPUT_MISSING' : 'E_INPUT_UNREADABLE',
      code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${describe(err)})`,
      { file: path, cause: err },
    );
  }
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    let layout;
    try {
      layout = parseNpyHeader(head.subarray(0, bytesRead));
    } catch (err) {
      throw fail(`not a label array (${describe(err)})`, err);
    }
    const [height, width] = layout.shape;
    if (!(height > 0 && width > 0))
      throw fail(`its shape is ${height}x${width}: an image with no pixels`);
    const bytesPerIndex = layout.bits / 8;
    const fileBytes = (await stat(path)).size;
    if (fileBytes < layout.dataOffset + width * height * bytesPerIndex)
      throw fail(`file is shorter than its ${height}x${width} shape: truncated?`);
    const handle = file;
    return {
      path,
      format: 'npy',
      width,
      height,
      bits: layout.bits,
      fileBytes,
      async read(y, rows) {
        const bytes = Buffer.alloc(width * rows * bytesPerIndex);
        await handle.read(bytes, 0, bytes.length, layout.dataOffset + y * width * bytesPerIndex);
        const indices =
          layout.bits === 8
            ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
            : Uint16Array.from({ length: width * rows }, (_, i) => bytes.readUInt16LE(i * 2));
        return { y, height: rows, width, indices };
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** Every band of the label image, `bandHeight` rows at a time. */
export async function* labelBands(
  labels: LabelSource,
  bandHeight: number,
  signal?: AbortSignal,
): AsyncGenerator<IndexBand> {
  for (let y = 0; y < labels.height; y += bandHeight) {
    throwIfAborted(signal);
    yield await labels.read(y, Math.min(bandHeight, labels.height - y));
  }
}
