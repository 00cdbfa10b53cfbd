import { open } from 'node:fs/promises';
import { GigaquantError } from '../errors.js';

/**
 * The fewest bytes a file of each format needs to describe a canvas of this many pixels: each
 * format's compression has a ceiling (deflate about 1032:1, even of 1-bit pixels; Huffman-coded
 * JPEG at least one bit per 8x8 block; LZW a few thousand pixels per code), so a file below it
 * cannot hold the image its header declares. A decoder would fill the rest with nothing, for
 * minutes. Halved again, to leave room for any encoder we did not think of.
 */
function fewestBytes(format: string, width: number, height: number, head: Uint8Array): number {
  switch (format) {
    case 'png':
      return (height * (1 + Math.ceil(width / 8))) / 1032 / 2;
    case 'jpeg':
      return isArithmeticJpeg(head) ? 0 : (width * height) / 512 / 2;
    case 'gif':
      return (width * height) / 4096 / 2;
    default:
      return 0;
  }
}

/** Arithmetic-coded JPEG (SOF9-SOF15 but DHT/JPG/DAC) can say far less per block. */
function isArithmeticJpeg(head: Uint8Array): boolean {
  for (let at = 2; at + 4 <= head.length;) {
    if (head[at] !== 0xff) return false;
    const marker = head[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return marker >= 0xc9;
    at += 2 + (((head[at + 2] as number) << 8) | (head[at + 3] as number));
  }
  return false;
}

/** Refuses (exit 3) a file too small to hold the canvas its header declares. */
export async function checkDataCoversCanvas(
  path: string,
  format: string,
  width: number,
  height: number,
  fileBytes: number,
): Promise<void> {
  if (format !== 'png' && format !== 'jpeg' && format !== 'gif') return;
  const file = await open(path, 'r');
  const head = new Uint8Array(65536);
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  const needed = fewestBytes(format, width, height, head);
  if (fileBytes >= needed) return;
  throw new GigaquantError(
    'E_INPUT_CORRUPT',
    `${path}: declares ${width}x${height} pixels but holds ${fileBytes} bytes, fewer than any ${format.toUpperCase()} of that size needs (${Math.ceil(needed)}): truncated or forged`,
    { file: path },
  );
}
