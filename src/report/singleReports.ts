import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { SweepResult } from '../pipeline/sweepFile.js';
import { VERSION } from '../version.js';
import type { LoupeCrop } from '../pipeline/loupe.js';
import {
  cropUri,
  finiteOrNull,
  placeOf,
  reportImage,
  thumbnailUri,
  type LoupeView,
  type ReportModel,
  type SweepPoint,
} from './reportModel.js';

/** The report of one `compress`. */
export async function compressReport(result: QuantizeResult): Promise<ReportModel> {
  return {
    title: `gigaquant report: ${result.input}`,
    generatedAt: new Date().toISOString(),
    software: `gigaquant ${VERSION}`,
    images: [await reportImage(result, result.palette, result.digest)],
    failed: [],
  };
}

/** The report of one `sweep`: the k curve, and the image at every k side by side. */
export async function sweepReport(result: SweepResult): Promise<ReportModel> {
  const points: SweepPoint[] = [];
  for (const row of result.rows) {
    const d = row.digest;
    points.push({
      k: row.k,
      psnr: Number.isFinite(row.psnr) ? row.psnr : null,
      bitsPerPixel: row.bitsPerPixel,
      outputBytes: row.outputBytes,
      thumb: d && (await thumbnailUri(d.quantized, d.thumbWidth, d.thumbHeight)),
    });
  }
  const first = result.rows[0]?.digest;
  const withLoupe = result.rows.filter((r) => r.digest?.loupe);
  const loupe: LoupeView[] = [];
  for (const [i, crop] of (withLoupe[0]?.digest?.loupe ?? []).entries()) {
    const quantized: LoupeView['quantized'] = [];
    for (const row of withLoupe) {
      const at = row.digest?.loupe?.[i] as LoupeCrop;
      quantized.push({
        k: row.k,
        uri: await cropUri(at.quantized, at.width, at.height),
        psnr: finiteOrNull(at.psnr),
      });
    }
    loupe.push({
      ...placeOf(crop),
      original: await cropUri(crop.original, crop.width, crop.height),
      quantized,
    });
  }
  return {
    title: `gigaquant k curve: ${result.input}`,
    generatedAt: new Date().toISOString(),
    software: `gigaquant ${VERSION}`,
    images: [],
    failed: [],
    sweep: {
      input: result.input,
      width: result.width,
      height: result.height,
      knee: result.knee,
      loupe: loupe.length > 0 ? loupe : undefined,
      original: first && (await thumbnailUri(first.original, first.thumbWidth, first.thumbHeight)),
      points,
    },
  };
}
