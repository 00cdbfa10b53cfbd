import { extname } from 'node:path';
import type { Palette } from '../../types.js';
import { hasAlphaChannel } from '../../model/channels.js';
import { decodeNpy, encodeNpy } from '../npy.js';
import { decodeAdobeColorTable, encodeAdobeColorTable } from './adobeColorTable.js';
import { decodeGdalColorText, encodeGdalColorText } from './gdalColorText.js';
import { decodeGimpPalette, encodeGimpPalette } from './gimpPalette.js';
import { decodeJsonPalette, paletteToJson } from './jsonPalette.js';
import { PaletteSyntaxError } from './PaletteSyntaxError.js';
import { decodeQgisStyle, encodeQgisStyle } from './qgisStyle.js';

/** The palette file formats, each named by its usual extension. */
export const PALETTE_FORMATS = ['json', 'npy', 'gpl', 'act', 'txt', 'qml'] as const;
export type PaletteFormat = (typeof PALETTE_FORMATS)[number];

interface PaletteCodec {
  encode(palette: Palette, title: string): string | Uint8Array;
  decode(bytes: Uint8Array): Palette;
  /** What of alpha the format holds: all of it, one fully transparent entry, or none. */
  alpha: 'all' | 'one-transparent' | 'none';
  maxColors: number;
}

const CODECS: Record<PaletteFormat, PaletteCodec> = {
  json: {
    encode: (p) => paletteToJson(p),
    decode: decodeJsonPalette,
    alpha: 'all',
    maxColors: Infinity,
  },
  npy: {
    encode: (p) => encodeNpy({ shape: [p.size, p.channels], data: p.colors }),
    decode: decodeNpyPalette,
    alpha: 'all',
    maxColors: Infinity,
  },
  gpl: { encode: encodeGimpPalette, decode: decodeGimpPalette, alpha: 'none', maxColors: Infinity },
  act: {
    encode: encodeAdobeColorTable,
    decode: decodeAdobeColorTable,
    alpha: 'one-transparent',
    maxColors: 256,
  },
  txt: {
    encode: encodeGdalColorText,
    decode: decodeGdalColorText,
    alpha: 'all',
    maxColors: Infinity,
  },
  qml: { encode: encodeQgisStyle, decode: decodeQgisStyle, alpha: 'all', maxColors: Infinity },
};

/** The format a palette file's extension names (`.qlr`, a QGIS layer definition, reads as .qml). */
export function paletteFormatOf(path: string): PaletteFormat | undefined {
  const ext = extname(path).toLowerCase().slice(1);
  if (ext === 'qlr') return 'qml';
  return (PALETTE_FORMATS as readonly string[]).includes(ext) ? (ext as PaletteFormat) : undefined;
}

export function decodePalette(format: PaletteFormat, bytes: Uint8Array): Palette {
  const palette = CODECS[format].decode(bytes);
  if (palette.size < 1 || palette.channels < 1 || palette.channels > 4)
    throw new PaletteSyntaxError('need 1-4 channels and at least one colour');
  return palette;
}

/** The file's bytes, and what the format could not hold of this palette (empty when nothing). */
export function encodePalette(
  format: PaletteFormat,
  palette: Palette,
  title: string,
): { bytes: string | Uint8Array; lost: string[] } {
  const codec = CODECS[format];
  const lost: string[] = [];
  if (palette.size > codec.maxColors)
    throw new Error(
      `.${format} holds at most ${codec.maxColors} colours, the palette has ${palette.size}`,
    );
  if (hasAlphaChannel(palette.channels) && codec.alpha !== 'all') {
    const alphas: number[] = [];
    for (let i = palette.channels - 1; i < palette.colors.length; i += palette.channels)
      alphas.push(palette.colors[i] as number);
    const translucent = alphas.filter((a) => a !== 255 && a !== 0).length;
    const transparent = alphas.filter((a) => a === 0).length;
    const kept = codec.alpha === 'one-transparent' ? Math.min(transparent, 1) : 0;
    const opaqued = translucent + transparent - kept;
    if (opaqued > 0) {
      const holds = codec.alpha === 'none' ? 'no transparency' : 'one fully transparent entry';
      lost.push(`.${format} holds ${holds}: ${opaqued} entries written opaque`);
    }
  }
  return { bytes: codec.encode(palette, title), lost };
}

function decodeNpyPalette(bytes: Uint8Array): Palette {
  let array;
  try {
    array = decodeNpy(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new PaletteSyntaxError((err as Error).message);
  }
  const { shape, data } = array;
  if (!(data instanceof Uint8Array) || shape.length !== 2)
    throw new PaletteSyntaxError('a palette .npy is a 2-d uint8 array (colours x channels)');
  return { size: shape[0] as number, channels: shape[1] as number, colors: data };
}
