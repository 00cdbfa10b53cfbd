import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage } from '../io/openImage.js';
import { partnerThread } from '../runtime/partnerThread.js';
import { loadPalette, savePalette } from '../io/paletteFile.js';
import type { ResolvedOptions } from '../pipeline/quantizeOptions.js';
import { clusterChannels } from '../model/channels.js';
import { PaletteFitter } from '../pipeline/PaletteFitter.js';
import { kmeansOptions } from '../pipeline/quantizeOptions.js';
import type { Palette } from '../types.js';
import { readImageMetadata } from '../io/imageMetadata.js';
import { maxColors } from '../io/outputFormat.js';
import type { NodataRule } from '../model/nodata.js';
import { finishFit } from '../pipeline/fitPalette.js';
import { nodataRuleFor } from '../pipeline/nodataPlan.js';
import { keyOf } from './fingerprint.js';
import type { PlannedInput } from './probeAll.js';
import type { BatchEvent } from './batchTypes.js';

export const SHARED_PALETTE_BASE = 'gigaquant-palette';

/**
 * One palette for every input: pass 1 over all of them (one open at a time) into one sampler,
 * saved as gigaquant-palette.json and .npy in the output folder. A rerun over the same inputs
 * (same sizes and times) with the same fit options reuses the saved palette instead of refitting.
 */
export async function obtainSharedPalette(
  inputs: readonly PlannedInput[],
  outDir: string,
  options: ResolvedOptions,
  keepAlpha: boolean,
  report: (e: BatchEvent) => void,
): Promise<{ palette: Palette; files: { json: string; npy: string } }> {
  const readable = inputs.filter((i) => i.info);
  const stamps = await Promise.all(
    readable.map(async (i) => {
      const st = await stat(i.file);
      return [i.rel, st.size, st.mtimeMs];
    }),
  );
  const fitKey = keyOf({
    ...kmeansOptions(options),
    sample: options.sample,
    fitMpx: options.fitMpx,
    keepAlpha,
    inputs: stamps,
    // Fits before nodata was left out counted it as colour: this key redoes them once.
    nodata: options.nodata,
    keepColors: options.keepColors && Array.from(options.keepColors.colors).join(),
  });
  const base = join(outDir, SHARED_PALETTE_BASE);
  const files = { json: `${base}.json`, npy: `${base}.npy` };

  const saved = await readFile(files.json, 'utf8')
    .then((t) => JSON.parse(t) as { fitKey?: string })
    .catch(() => undefined);
  if (saved?.fitKey === fitKey) {
    report({ type: 'palette', phase: 'reused' });
    return { palette: await loadPalette(files.json), files };
  }

  const channels = clusterChannels(
    readable.map((i) => i.info!),
    keepAlpha,
    options.keepColors,
  );
  const pixels = readable.reduce((sum, i) => sum + i.pixels, 0);
  const fitter = new PaletteFitter(options, channels, pixels);
  const rows = readable.reduce((s, i) => s + i.info!.height, 0);
  let rowsDone = 0;
  let palette: Palette;
  /** A nodata rule some input has: then the shared palette leaves an entry free for it. */
  let someRule: NodataRule | undefined;
  try {
    for (const input of readable) {
      let source;
      try {
        source = await openImage(input.file, {
          maxPixels: options.maxPixels,
          tmpDir: options.tmpDir,
          signal: options.signal,
        });
      } catch {
        continue; // A file that cannot be read is recorded as failed when its turn comes.
      }
      try {
        const metadata = await readImageMetadata(input.file, source.info.format, source.info.page);
        const { rule } = nodataRuleFor(options.nodata, metadata, source.info);
        if (rule?.value !== undefined || !someRule) someRule = rule ?? someRule;
        await fitter.add(
          source,
          (n) => {
            rowsDone += n;
            report({ type: 'palette', phase: 'fitting', rowsDone, rows });
          },
          undefined,
          rule,
        );
      } finally {
        await source.close();
      }
    }
    const maxK = maxColors(options.format, options.kind);
    palette = (await finishFit(fitter, options, someRule && { rule: someRule, maxColors: maxK }))
      .palette;
  } finally {
    partnerThread.stop();
  }
  await savePalette(palette, base, { fitKey });
  report({ type: 'palette', phase: 'fitted' });
  return { palette, files };
}
