import type { ImageInfo } from '../io/probeImage.js';
import { isLossy, wholeImageWarning } from '../io/EncodedRgbWriter.js';
import { formatName, isEncodedFormat, type OutputKind } from '../io/outputFormat.js';
import type { Palette } from '../types.js';
import type { FitResult } from './fitReport.js';
import type { ResolvedOptions } from './quantizeOptions.js';

/**
 * What a quantized image's user should know beyond its figures: a PSNR target missed, pixels
 * turned or truncated on reading, transparency dropped, a lossy or whole-image encoder, RGB where
 * a palette was expected. One list for compress and for the stitch of a split image.
 */
export function resultWarnings(p: {
  inputPath: string;
  outputPath: string;
  opts: ResolvedOptions;
  /** The kind the user asked for, if any (opts.kind is what was chosen). */
  askedKind: OutputKind | undefined;
  info: ImageInfo;
  palette: Palette;
  target: FitResult['target'];
  droppedTranslucency: boolean;
  /** The fit's report and the error pass 2 measured over every pixel. */
  fit: FitResult['report'];
  mse: number;
}): string[] {
  const { inputPath, outputPath, opts, askedKind, info, palette, target, droppedTranslucency } = p;
  const warnings: string[] = [];
  if (p.fit.method === 'exact' && p.fit.sampledPixels !== undefined && p.mse > 0) {
    warnings.push(
      `${inputPath}: the pixels --fit-mpx counted hold ${palette.size} colours, no more than k, but the image has others, which were matched to the nearest of them; without --fit-mpx the palette would hold the image's colours exactly, up to k`,
    );
  }
  if (target && !target.reached) {
    warnings.push(
      `${inputPath}: no k up to ${opts.k} reaches ${target.psnr} dB; used k=${palette.size} (${target.predictedPsnr.toFixed(2)} dB)`,
    );
  }
  if (info.orientation !== 1) {
    warnings.push(
      `${inputPath}: its orientation tag (${info.orientation}) says to show it turned: the pixels were turned upright, and the output shows the way the input does`,
    );
  }
  if (info.sourceDepth === 'float' || info.sourceDepth === 'double') {
    warnings.push(
      `${inputPath}: floating-point samples are read as libvips shows them (as vips copy does): values truncated to 0-255, so an image scaled 0-1 comes out black; scale it first if so (vips linear in.tif out.tif 255 0)`,
    );
  }
  if (opts.space === 'oklab' && palette.channels !== 3) {
    warnings.push(
      `${inputPath}: --space oklab applies to opaque RGB images; this one was fitted and matched in RGB`,
    );
  }
  if (droppedTranslucency) {
    warnings.push(
      opts.palette
        ? `${outputPath}: the palette has no transparency; the alpha channel of ${inputPath} was dropped`
        : opts.format !== 'tiff'
          ? `${outputPath}: ${formatName(opts.format)} cannot store transparency; the alpha channel of ${inputPath} was dropped (write .png or .webp to keep it)`
          : `${outputPath}: TIFF palette images cannot store transparency; the alpha channel of ${inputPath} was dropped (write .png, or --rgb, to keep it)`,
    );
  }
  if (isEncodedFormat(opts.format)) {
    const memory = wholeImageWarning(outputPath, opts.format, info.width, info.height);
    if (memory) warnings.push(memory);
    if (isLossy(opts.format, opts.quality)) {
      warnings.push(
        `${outputPath}: ${formatName(opts.format)} is lossy here: its pixels are near, not equal to, the ${palette.size} colours, and the PSNR reported is that of the colours before encoding`,
      );
    }
  }
  if (opts.kind === 'rgb' && opts.format === 'png' && !askedKind) {
    warnings.push(
      `${outputPath}: a PNG palette holds at most 256 colours; wrote the ${opts.k} colours as RGB`,
    );
  }
  return warnings;
}
