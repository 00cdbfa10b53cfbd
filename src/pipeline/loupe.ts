import type { ImageSource } from '../io/openImage.js';
import { readRegion } from '../io/readBands.js';
import { readOutputRegion, type WrittenOutput } from '../io/readOutputRegion.js';
import { convertBand, hasAlphaChannel } from '../model/channels.js';
import { indicesToRgba, paletteAsRgba } from '../model/palette.js';
import { markNodata, type NodataRule } from '../model/nodata.js';
import type { ColorSpace, Palette, RowBand } from '../types.js';
import { BandMapper } from './BandMapper.js';
import { psnrFromMse } from './stats.js';
import type { WorstRegion } from './worstRegions.js';

/** Regions a report's loupe shows, and the side of each crop in pixels. */
export const LOUPE_REGIONS = 4;
export const LOUPE_SIDE = 192;

/** One place of the loupe: the crop of the input and of the output there, RGBA at 1:1. */
export interface LoupeCrop extends WorstRegion {
  /** The input's pixels there, as read (for mapping them again at another k). */
  raw: RowBand;
  original: Uint8Array;
  quantized: Uint8Array;
  /** Of this crop alone, over the pixels that are not nodata (Infinity when exact). */
  psnr: number;
}

export interface LoupeMapping {
  palette: Palette;
  space: ColorSpace;
  nodata?: { rule: NodataRule; index: number };
}

/**
 * The input's pixels under each region, one small extract each, and the output's: mapped from
 * those same pixels exactly as pass 2 mapped them (the same BandMapper; no dithering), or, when
 * that would not be what the file holds (dithered, or re-encoded), read back from `output`.
 */
export async function readLoupe(
  source: ImageSource,
  regions: readonly WorstRegion[],
  mapping: LoupeMapping,
  output?: WrittenOutput,
): Promise<LoupeCrop[]> {
  const crops: LoupeCrop[] = [];
  for (const region of regions) {
    const raw = await readRegion(source, region);
    const original = convertBand(raw, 4).data.slice();
    const quantized = output ? await readOutputRegion(output, region) : mapCrop(raw, mapping);
    crops.push({
      ...region,
      raw,
      original,
      quantized,
      psnr: cropPsnr(raw, original, quantized, mapping),
    });
  }
  return crops;
}

/** The crop at every palette of a sweep: the same pixels, each k's mapping. */
export function mapCrop(raw: RowBand, mapping: LoupeMapping): Uint8Array {
  const mapper = new BandMapper(mapping.palette, { space: mapping.space, nodata: mapping.nodata });
  try {
    const { indices } = mapper.map(raw);
    return indicesToRgba(indices, paletteAsRgba(mapping.palette));
  } finally {
    mapper.release();
  }
}

/**
 * The crop's PSNR as the image's is measured: colour channels (and alpha when the palette keeps
 * it), nodata pixels left out. Grey pixels are counted once, not thrice (r = g = b).
 */
export function cropPsnr(
  raw: RowBand,
  original: Uint8Array,
  quantized: Uint8Array,
  { palette, nodata }: LoupeMapping,
): number {
  const pixels = raw.width * raw.height;
  const mask = new Uint8Array(pixels);
  if (nodata) markNodata(raw, nodata.rule, mask);
  const grey = palette.channels <= 2;
  const alpha = hasAlphaChannel(palette.channels);
  let sse = 0;
  let compared = 0;
  for (let p = 0; p < pixels; p++) {
    if (mask[p]) continue;
    const o = p * 4;
    for (let ch = 0; ch < 4; ch++) {
      if ((grey && (ch === 1 || ch === 2)) || (ch === 3 && !alpha)) continue;
      const d = (original[o + ch] as number) - (quantized[o + ch] as number);
      sse += d * d;
      compared++;
    }
  }
  return compared > 0 ? psnrFromMse(sse / compared) : Infinity;
}
