/**
 * The pixel count a file's first bytes declare, for PNG, GIF, WebP, JPEG and .npy; undefined for
 * anything else or anything unclear. Cheap enough to run before deciding how to run a command
 * (no decoder is loaded); a file that lies is caught later by the real decoder.
 */
export function sniffPixels(head: Uint8Array): number | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const ascii = (at: number, length: number): string =>
    String.fromCharCode(...head.subarray(at, at + length));
  if (head.length >= 24 && ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR')
    return view.getUint32(16) * view.getUint32(20);
  if (head.length >= 10 && ascii(0, 3) === 'GIF')
    return view.getUint16(6, true) * view.getUint16(8, true);
  if (head.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP')
    return webp(head, view);
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) return jpeg(head, view);
  if (head.length >= 10 && head[0] === 0x93 && ascii(1, 5) === 'NUMPY') return npy(head, view);
  return undefined;
}

function webp(head: Uint8Array, view: DataView): number | undefined {
  const chunk = String.fromCharCode(...head.subarray(12, 16));
  const u24 = (at: number): number => view.getUint16(at, true) + ((head[at + 2] as number) << 16);
  if (chunk === 'VP8X') return (u24(24) + 1) * (u24(27) + 1);
  if (chunk === 'VP8 ')
    return (view.getUint16(26, true) & 0x3fff) * (view.getUint16(28, true) & 0x3fff);
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return ((bits & 0x3fff) + 1) * (((bits >>> 14) & 0x3fff) + 1);
  }
  return undefined;
}

/** The first start-of-frame marker's size, walking the segments in the bytes at hand. */
function jpeg(head: Uint8Array, view: DataView): number | undefined {
  let at = 2;
  while (at + 9 <= head.length) {
    if (head[at] !== 0xff) return undefined;
    const marker = head[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return view.getUint16(at + 5) * view.getUint16(at + 7);
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}

function npy(head: Uint8Array, view: DataView): number | undefined {
  const length = head[6] === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const offset = head[6] === 1 ? 10 : 12;
  const header = String.fromCharCode(...head.subarray(offset, offset + length));
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  return shape ? Number(shape[1]) * Number(shape[2]) : undefined;
}
