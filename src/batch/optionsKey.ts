import { kmeansOptions, type ResolvedOptions } from '../pipeline/quantizeOptions.js';
import type { Palette } from '../types.js';
import { keyOf } from './fingerprint.js';

/**
 * The key of every option that changes an output's bytes or name: a file recorded done under
 * another key is redone. Options that only change speed or memory (band height, concurrency)
 * are left out, so that changing them never redoes a night's work.
 */
export function optionsKey(
  resolved: ResolvedOptions,
  template: string,
  palette: Palette | undefined,
): string {
  return keyOf({
    ...kmeansOptions(resolved),
    format: resolved.format,
    template,
    k: palette ? palette.size : resolved.k,
    sample: resolved.sample,
    fitMpx: resolved.fitMpx,
    compressionLevel: resolved.compressionLevel,
    dither: resolved.dither,
    targetPsnr: resolved.targetPsnr,
    space: resolved.space,
    bigtiff: resolved.bigtiff,
    // Absent at their defaults, so that outputs made before these options existed stay done.
    kind: resolved.kind === 'palette' ? undefined : resolved.kind,
    tile: resolved.tile,
    pyramid: resolved.pyramid || undefined,
    quality: resolved.quality,
    palette: palette ? keyOf(Array.from(palette.colors)) + `/${palette.channels}` : undefined,
    keepColors: resolved.keepColors
      ? keyOf(Array.from(resolved.keepColors.colors)) + `/${resolved.keepColors.channels}`
      : undefined,
    nodata: resolved.nodata === 'auto' ? undefined : resolved.nodata,
    skipIfLarger: resolved.rules.skipIfLarger || undefined,
    minPsnr: resolved.rules.minPsnr,
    copyOriginal: resolved.rules.copyOriginal || undefined,
    paletteOut: resolved.rules.paletteOut.length > 0 ? resolved.rules.paletteOut : undefined,
  });
}
