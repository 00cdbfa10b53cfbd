import { readImageMetadata } from '../io/imageMetadata.js';
import { fittedEntries, nodataOutput, nodataRuleFor } from './nodataPlan.js';
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { createWriter } from '../io/createWriter.js';
import { openImage } from '../io/openImage.js';
import { carriesAlpha, EXTENSION_OF, maxColors, type OutputFormat } from '../io/outputFormat.js';
import { createTempDir } from '../io/tempFiles.js';
import { partnerThread } from '../runtime/partnerThread.js';
import { resolveOptions, type QuantizeOptions } from './quantizeOptions.js';
import { applyPalette } from './applyPalette.js';
import { chooseBandHeight } from './bandHeight.js';
import { clusterChannels } from '../model/channels.js';
import { PaletteFitter } from './PaletteFitter.js';
import { bitsPerPixel } from './stats.js';
import { ImageDigestBuilder, type ImageDigest } from './ImageDigestBuilder.js';
import {
  cropPsnr,
  LOUPE_REGIONS,
  LOUPE_SIDE,
  mapCrop,
  readLoupe,
  type LoupeMapping,
} from './loupe.js';
import { worstRegions } from './worstRegions.js';
import type { ImageSource } from '../io/openImage.js';

/** The quantizer's options but k (the sweep takes its list of k instead). */
export type SweepOptions = Omit<QuantizeOptions, 'k'>;

export interface SweepRow {
  k: number;
  colors: number;
  psnr: number;
  bitsPerPixel: number;
  outputBytes: number;
  /** With `digest: true`: the thumbnails and shares at this k, for the report. */
  digest?: ImageDigest;
}

export interface SweepResult {
  input: string;
  width: number;
  height: number;
  format: OutputFormat;
  rows: SweepRow[];
  /** The k where PSNR against log k bends most (Kneedle): more colours buy less from there on. */
  knee: number;
}

/**
 * "2..10" (every k), "2..256" (a geometric grid: powers of two and the steps halfway between),
 * or "4,16,64". Sorted, no repeats.
 */
export function parseKs(spec: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec.trim());
  let ks: number[];
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (!(lo >= 1 && hi >= lo))
      throw usageError(`--k: expected a..b with 1 <= a <= b but received ${spec}`);
    if (hi - lo <= 16) ks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    else {
      ks = [lo, hi];
      for (let p = 1; p <= hi; p *= 2) ks.push(p, Math.round(p * 1.5));
      ks = ks.filter((k) => k >= lo && k <= hi);
    }
  } else {
    ks = spec.split(',').map((s) => Number(s.trim()));
    if (ks.some((k) => !Number.isInteger(k) || k < 1))
      throw usageError(`--k: expected a..b or a list like 4,16,64 but received ${spec}`);
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * The k curve of one image: pass 1 once, then for each k a palette, its exact PSNR, and the bytes
 * of the output it gives (encoded to a temporary file, then removed).
 */
export async function sweepFile(
  input: string,
  ks: number[],
  options: SweepOptions,
): Promise<SweepResult> {
  const format = options.format ?? (Math.max(...ks) > 256 ? 'tiff' : 'png');
  const ext = EXTENSION_OF[format];
  const opts = resolveOptions(format, { ...options, k: Math.max(...ks), dither: 0 }, input);
  const source = await openImage(input, {
    maxPixels: opts.maxPixels,
    tmpDir: opts.tmpDir,
    signal: opts.signal,
  });
  const work = await createTempDir(opts.tmpDir);
  try {
    const { info } = source;
    const pixels = info.width * info.height;
    const fitter = new PaletteFitter(
      opts,
      clusterChannels([info], carriesAlpha(opts.format, opts.kind), opts.keepColors),
      pixels,
    );
    let rowsDone = 0;
    const metadata = await readImageMetadata(input, info.format, info.page);
    const { rule } = nodataRuleFor(opts.nodata, metadata, info);
    await fitter.add(
      source,
      (rows) => {
        rowsDone += rows;
        opts.onProgress?.({ phase: 'fit', rowsDone, rows: info.height });
      },
      undefined,
      rule,
    );
    const outputHolds = {
      kind: opts.kind,
      carriesAlpha: carriesAlpha(opts.format, opts.kind),
      maxColors: maxColors(opts.format, opts.kind),
    };
    const reserve = rule && (rule.value !== undefined || fitter.nodataPixels > 0);
    const bandHeight =
      opts.bandHeight ??
      chooseBandHeight(info.width, info.height, opts.memoryBudget, info.chunkRows);
    const rows: SweepRow[] = [];
    const mappings: LoupeMapping[] = [];
    for (const k of ks) {
      const fitted = await fitter.finish(reserve ? Math.min(k, outputHolds.maxColors - 1) : k);
      const planned = nodataOutput(
        fitted.palette,
        rule,
        fitter.nodataPixels,
        outputHolds,
        metadata,
      );
      const { palette, nodata } = planned;
      const out = join(work.path, `k${k}.${ext}`);
      const writer = await createWriter(out, opts, info, palette);
      const digest = options.digest
        ? new ImageDigestBuilder(info.width, info.height, palette, {
            errors: options.loupe,
            nodataIndex: nodata?.index,
          })
        : undefined;
      mappings.push({ palette, space: opts.space, nodata });
      try {
        await applyPalette(
          source,
          palette,
          writer,
          { ...opts, onProgress: undefined },
          bandHeight,
          { digest, nodata },
        );
        await writer.close();
      } catch (err) {
        await writer.abort(err as Error);
        throw err;
      }
      const outputBytes = (await stat(out)).size;
      await unlink(out);
      rows.push({
        k,
        colors: palette.size,
        psnr: fitter.exactPsnr(nodata ? fittedEntries(palette) : palette),
        bitsPerPixel: bitsPerPixel(outputBytes, pixels),
        outputBytes,
        digest: digest?.finish(),
      });
    }
    const knee = kneeOf(rows);
    if (options.loupe) await addLoupes(source, rows, mappings, knee);
    return { input, width: info.width, height: info.height, format, rows, knee };
  } finally {
    partnerThread.stop();
    await work.remove();
    await source.close();
  }
}

/**
 * The same regions at every k, those where the knee's k errs most (the k a reader is most likely
 * to pick): the input's crops read once, each k's crop mapped from them as its pass 2 did.
 */
async function addLoupes(
  source: ImageSource,
  rows: SweepRow[],
  mappings: LoupeMapping[],
  knee: number,
): Promise<void> {
  const errors = rows.find((r) => r.k === knee)?.digest?.errors;
  if (!errors) return;
  const crops = await readLoupe(
    source,
    worstRegions(errors, LOUPE_REGIONS, LOUPE_SIDE),
    mappings[0] as LoupeMapping,
  );
  rows.forEach((row, i) => {
    if (!row.digest) return;
    const mapping = mappings[i] as LoupeMapping;
    row.digest.errors = undefined;
    row.digest.loupe = crops.map((crop) => {
      const quantized = mapCrop(crop.raw, mapping);
      return { ...crop, quantized, psnr: cropPsnr(crop.raw, crop.original, quantized, mapping) };
    });
  });
}

/** Kneedle on (log k, PSNR), both scaled to 0-1: the k farthest above the straight line. */
export function kneeOf(rows: readonly { k: number; psnr: number }[]): number {
  const finite = rows.filter((r) => Number.isFinite(r.psnr));
  if (finite.length < 3) return finite.at(-1)?.k ?? rows.at(-1)?.k ?? 1;
  const xs = finite.map((r) => Math.log(r.k));
  const ys = finite.map((r) => r.psnr);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  let best = finite[0] as { k: number };
  let bestGap = -Infinity;
  finite.forEach((r, i) => {
    const gap =
      ((ys[i] as number) - y0) / (y1 - y0 || 1) - ((xs[i] as number) - x0) / (x1 - x0 || 1);
    if (gap > bestGap) {
      bestGap = gap;
      best = r;
    }
  });
  return best.k;
}
