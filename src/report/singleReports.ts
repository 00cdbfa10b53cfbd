import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { SweepResult } from '../pipeline/sweepFile.js';
import { VERSION } from '../version.js';
import { reportImage, thumbnailUri, type ReportModel, type SweepPoint } from './reportModel.js';

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
  return {
    title: `gigaquant k curve: ${result.input}`,
    generatedAt: new Date().toISOString(),
    software: `gigaquant ${VERSION}`,
    images: [],
    failed: [],
    sweep: {
      input: result.input,
      knee: result.knee,
      original: first && (await thumbnailUri(first.original, first.thumbWidth, first.thumbHeight)),
      points,
    },
  };
}
