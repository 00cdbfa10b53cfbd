import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { usageError } from '../errors.js';
import { performance } from 'node:perf_hooks';
import { COLLECT_ABOVE_PIXELS, releaseFitMemory } from '../runtime/releaseFitMemory.js';
import { checkOutputTarget } from '../io/checkOutputTarget.js';
import { codebookBase, writeOutput } from '../io/createWriter.js';
import { checkEncodedSize } from '../io/EncodedRgbWriter.js';
import { readImageMetadata } from '../io/imageMetadata.js';
import { openImage } from '../io/openImage.js';
import {
  carriesAlpha,
  isEncodedFormat,
  maxColors,
  outputFormatFor,
  type OutputFormat,
  type OutputKind,
} from '../io/outputFormat.js';
import { resolveOptions, type QuantizeOptions } from './quantizeOptions.js';
import { ImageDigestBuilder, type ImageDigest } from './ImageDigestBuilder.js';
import type { Palette } from '../types.js';
import { applyPalette } from './applyPalette.js';
import { chooseBandHeight } from './bandHeight.js';
import { clusterChannels, paletteForImage } from '../model/channels.js';
import { fitPalette } from './fitPalette.js';
import type { CountedColours } from '../cluster/ColorHistogram.js';
import { GIVEN_PALETTE, type FitReport, type FitResult } from './fitReport.js';
import { bitsPerPixel, peakRssBytes, psnrFromMse } from './stats.js';
import { resultWarnings } from './resultWarnings.js';
import { nodataOutput, nodataRuleFor } from './nodataPlan.js';
import { copyOriginal, judgeOutput, paletteOutPaths, type Rejection } from './outputRules.js';
import { writePaletteFiles } from './writePaletteFiles.js';
import { LOUPE_REGIONS, LOUPE_SIDE, readLoupe, type LoupeCrop } from './loupe.js';
import { worstRegions } from './worstRegions.js';
import { paletteAsRgba } from '../model/palette.js';

export interface QuantizeResult {
  input: string;
  output: string;
  format: OutputFormat;
  /** What the output stores: palette indices, bare labels (with `codebook`), or colours. */
  kind: OutputKind;
  /** With labels: the codebook files written beside them. */
  codebook?: { json: string; npy: string };
  width: number;
  height: number;
  /** Images in the input (a pyramid's levels, or pages) when more than one. */
  pages?: number;
  /** The page read, when the full resolution is not the first image (else page 0). */
  page?: number;
  /** Channels compared and written: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** k asked for, and the palette size used (smaller when the image has fewer colours). */
  k: number;
  colors: number;
  palette: Palette;
  /** Mean squared error over every pixel and channel, and the PSNR in dB (Infinity when lossless). */
  mse: number;
  psnr: number;
  bitsPerPixel: number;
  inputBytes: number;
  outputBytes: number;
  seconds: number;
  /** Peak resident set size of this process so far. */
  peakRssBytes: number;
  bandHeight: number;
  /** Sequential formats are decoded once into a temporary file first. */
  spooled: boolean;
  bigtiff: boolean;
  seed: number;
  fit: FitReport;
  /**
   * Set when a rule (skipIfLarger, minPsnr) refused the output: nothing is under `output`, or,
   * with copyOriginal, a copy of the input. The figures are those of the refused output.
   */
  rejected?: Rejection;
  /**
   * Set when the output has a nodata entry: the pixels written as nodata (left out of the fit and
   * of the PSNR), the entry's index, and the input's nodata value (undefined: transparency).
   */
  nodata?: { pixels: number; index: number; value: number | undefined };
  /** Palette files written beside the output (paletteOut). */
  paletteFiles?: string[];
  /** With --target-psnr: the target and whether the chosen k (in `k`) reaches it. */
  target?: FitResult['target'];
  warnings: string[];
  /** With `digest: true`: thumbnails, pixels per palette entry and sampled colours, for reports. */
  digest?: ImageDigest;
}

/**
 * Quantizes one image file to `options.k` colours and writes `outputPath` (its format from the
 * extension or `options.format`; palette, labels or colours as `options.kind` says) in two
 * streaming passes, in memory bounded by `memoryBudget` whatever the image size. Throws
 * GigaquantError; nothing is ever left under `outputPath` on failure.
 */
export async function quantizeFile(
  inputPath: string,
  outputPath: string,
  options: QuantizeOptions,
): Promise<QuantizeResult> {
  const started = performance.now();
  const opts = resolveOptions(outputFormatFor(outputPath, options.format), options, outputPath);
  const codebook = {
    json: `${codebookBase(outputPath)}.json`,
    npy: `${codebookBase(outputPath)}.npy`,
  };
  const paletteFiles = paletteOutPaths(opts.rules, outputPath);
  await checkOutputTarget(
    [inputPath],
    outputPath,
    opts.kind === 'labels' ? [codebook.json, codebook.npy, ...paletteFiles] : paletteFiles,
  );
  opts.onProgress?.({ phase: 'spool', rowsDone: 0, rows: 0 });
  const source = await openImage(inputPath, {
    maxPixels: opts.maxPixels,
    tmpDir: opts.tmpDir,
    signal: opts.signal,
  });
  let counts: CountedColours | undefined;
  try {
    const { info } = source;
    if (opts.rules.copyOriginal && info.format !== opts.format)
      throw usageError(
        `--copy-original: ${inputPath} is ${info.format}, the output ${outputPath} ${opts.format}; a copy would not be what its name says`,
      );
    if (isEncodedFormat(opts.format))
      checkEncodedSize(outputPath, opts.format, inputPath, info.width, info.height);
    const metadata = await readImageMetadata(inputPath, info.format, info.page);
    const bandHeight =
      opts.bandHeight ??
      chooseBandHeight(info.width, info.height, opts.memoryBudget, info.chunkRows);
    const { rule, warning: nodataWarning } = nodataRuleFor(opts.nodata, metadata, info);
    const outputHolds = {
      kind: opts.kind,
      carriesAlpha: carriesAlpha(opts.format, opts.kind),
      maxColors: maxColors(opts.format, opts.kind),
    };
    // Pass 2 can take every colour's answer from pass 1's counts where each pixel gets its
    // nearest entry (see NearestKernel.learn).
    const keepCounts = opts.dither === 0 && rule === undefined;
    const fitted: FitResult & { nodataPixels?: number; counts?: CountedColours } = opts.palette
      ? { palette: paletteForImage(opts.palette, info.channels), report: GIVEN_PALETTE }
      : await fitPalette(
          source,
          opts,
          clusterChannels([info], outputHolds.carriesAlpha, opts.keepColors),
          rule && { rule, maxColors: outputHolds.maxColors },
          keepCounts,
        );
    counts = fitted.counts;
    const planned = nodataOutput(fitted.palette, rule, fitted.nodataPixels, outputHolds, metadata);
    const fit = { palette: planned.palette, report: fitted.report, target: fitted.target };
    const { nodata } = planned;

    // A big image's fit leaves big tables behind: gone before pass 2 starts allocating.
    if (info.width * info.height > COLLECT_ABOVE_PIXELS) releaseFitMemory();
    const digest = options.digest
      ? new ImageDigestBuilder(info.width, info.height, fit.palette, {
          errors: options.loupe,
          nodataIndex: nodata?.index,
        })
      : undefined;
    let loupe: LoupeCrop[] | undefined;
    const pixels = info.width * info.height;
    /** Over the valid pixels; an image that is nodata everywhere has no error. */
    const mseOf = (applied: { sse: number; nodataPixels: number }): number =>
      pixels > applied.nodataPixels
        ? applied.sse / ((pixels - applied.nodataPixels) * planned.comparedChannels)
        : 0;
    let refused: Omit<Rejection, 'original'> | undefined;
    let outputBytes = 0;
    const written = await writeOutput(
      outputPath,
      opts,
      info,
      fit.palette,
      planned.metadata,
      (writer) =>
        applyPalette(source, fit.palette, writer, opts, bandHeight, { digest, nodata, counts }),
      async (value, tempPath) => {
        outputBytes = (await stat(tempPath)).size;
        const errors = digest?.errors();
        if (errors) {
          const regions = worstRegions(errors, LOUPE_REGIONS, LOUPE_SIDE);
          // Dithered or lossy pixels are not the input's mapped: those are read from the file.
          const fromFile = opts.dither > 0 || isEncodedFormat(opts.format);
          loupe = await readLoupe(
            source,
            regions,
            { palette: fit.palette, space: opts.space, nodata },
            fromFile
              ? {
                  path: tempPath,
                  format: opts.format,
                  kind: opts.kind,
                  paletteRgba: paletteAsRgba(fit.palette),
                }
              : undefined,
          );
        }
        const psnr = psnrFromMse(mseOf(value));
        refused = judgeOutput(opts.rules, { psnr, bytes: outputBytes, inputBytes: info.fileBytes });
        return refused === undefined;
      },
    );
    const applied = written.value;
    const mse = mseOf(applied);
    const rejected: Rejection | undefined = refused && {
      ...refused,
      original: opts.rules.copyOriginal,
    };
    if (rejected?.original) await copyOriginal(inputPath, outputPath);
    const title = `gigaquant k=${fit.palette.size} ${basename(inputPath)}`;
    const paletteWarnings = written.written
      ? await writePaletteFiles(fit.palette, paletteFiles, title, [
          outputPath,
          ...(opts.kind === 'labels' ? [codebook.json, codebook.npy] : []),
        ])
      : [];
    const warnings = [
      ...(nodataWarning ? [nodataWarning] : []),
      ...paletteWarnings,
      ...resultWarnings({
        inputPath,
        outputPath,
        opts,
        askedKind: options.kind,
        info,
        palette: fit.palette,
        target: fit.target,
        droppedTranslucency: applied.droppedTranslucency,
        fit: fit.report,
        mse,
      }),
    ];
    return {
      input: inputPath,
      output: outputPath,
      format: opts.format,
      kind: opts.kind,
      codebook: opts.kind === 'labels' ? codebook : undefined,
      width: info.width,
      height: info.height,
      pages: info.pages,
      page: info.page,
      channels: planned.comparedChannels,
      k: fit.target ? fit.palette.size : opts.k,
      colors: fit.palette.size,
      palette: fit.palette,
      mse,
      psnr: psnrFromMse(mse),
      bitsPerPixel: bitsPerPixel(outputBytes, pixels),
      inputBytes: info.fileBytes,
      outputBytes,
      seconds: (performance.now() - started) / 1000,
      peakRssBytes: peakRssBytes(),
      bandHeight,
      spooled: source.spooled,
      bigtiff: written.bigtiff,
      seed: opts.seed,
      fit: fit.report,
      target: fit.target,
      rejected,
      nodata: nodata && {
        pixels: applied.nodataPixels,
        index: nodata.index,
        value: nodata.rule.value,
      },
      paletteFiles: written.written && paletteFiles.length > 0 ? paletteFiles : undefined,
      warnings,
      digest: digest && { ...digest.finish(), loupe },
    };
  } finally {
    counts?.release();
    await source.close();
  }
}
