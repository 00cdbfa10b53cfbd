import { GigaquantError } from '../errors.js';
import { indicesToRgba } from '../model/palette.js';
import { openNpyLabels, readLabelPixels } from './labelSource.js';
import type { OutputFormat, OutputKind } from './outputFormat.js';
import { describe } from './probeImage.js';
import type { Rect } from './readBands.js';
import { openPixels } from './sharpInput.js';

/** An output file gigaquant wrote (possibly still under its temporary name) and what it holds. */
export interface WrittenOutput {
  path: string;
  format: OutputFormat;
  kind: OutputKind;
  /** Its palette as RGBA, four bytes per entry: what a label means. */
  paletteRgba: Uint8Array;
}

/**
 * A rectangle of a written output as RGBA, 4 bytes per pixel: what a viewer shows there. Colour
 * outputs and palette images through libvips (one small extract); label images' indices looked up
 * in the palette. For the loupe where the output cannot be derived from the input alone (dithered,
 * or re-encoded by a lossy format).
 */
export async function readOutputRegion(output: WrittenOutput, rect: Rect): Promise<Uint8Array> {
  try {
    if (output.kind !== 'labels') {
      const { data } = await openPixels(output.path)
        .extract(rect)
        .toColourspace('srgb')
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
    return indicesToRgba(await readLabelRegion(output, rect), output.paletteRgba);
  } catch (err) {
    if (err instanceof GigaquantError) throw err;
    throw new GigaquantError(
      'E_OUTPUT',
      `${output.path}: cannot read back the region ${rect.width}x${rect.height} at (${rect.left}, ${rect.top}) (${describe(err)})`,
      { file: output.path, cause: err },
    );
  }
}

async function readLabelRegion(
  output: WrittenOutput,
  rect: Rect,
): Promise<Uint8Array | Uint16Array> {
  if (output.format === 'npy') {
    const labels = await openNpyLabels(output.path);
    try {
      const band = await labels.read(rect.top, rect.height);
      const out =
        band.indices instanceof Uint8Array
          ? new Uint8Array(rect.width * rect.height)
          : new Uint16Array(rect.width * rect.height);
      for (let r = 0; r < rect.height; r++) {
        const from = r * labels.width + rect.left;
        out.set(band.indices.subarray(from, from + rect.width), r * rect.width);
      }
      return out;
    } finally {
      await labels.close();
    }
  }
  return readLabelPixels(output.path, output.paletteRgba.length / 4 > 256 ? 16 : 8, rect);
}
