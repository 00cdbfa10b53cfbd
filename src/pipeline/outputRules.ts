import { copyFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { usageError } from '../errors.js';
import { number } from './optionChecks.js';
import { PALETTE_FORMATS, paletteFormatOf } from '../io/palette/paletteFormats.js';
import { atomicOutput } from '../io/tempFiles.js';
import { formatPsnr } from './stats.js';

/** What is kept of a result, for unattended runs: rules that refuse an output, palette files beside it. */
export interface OutputRules {
  /** Refuse an output that is not smaller than its input. */
  skipIfLarger: boolean;
  /** Refuse an output whose PSNR is below this many dB. */
  minPsnr: number | undefined;
  /** When an output is refused, copy the input to the output's name instead. */
  copyOriginal: boolean;
  /** Palette files to write beside a written output: paths, or format names (see paletteOutPaths). */
  paletteOut: string[];
}

/** Why an output was refused; `original` when the input was copied to its name instead. */
export interface Rejection {
  rule: 'skip-if-larger' | 'min-psnr';
  reason: string;
  original: boolean;
}

/** The options of quantizeFile() that decide what is kept of a result. */
export interface OutputRuleOptions {
  /** Write nothing when the output would not be smaller than the input (result.rejected says so). */
  skipIfLarger?: boolean;
  /** Write nothing when the PSNR falls below this many dB (result.rejected says so). */
  minPsnr?: number;
  /** With a rule above: copy the input to the output's name when the rule refuses the output. */
  copyOriginal?: boolean;
  /**
   * Palette files written with the output: paths (.json, .npy, .gpl, .act, .txt, .qml) or format
   * names, which stand for the output's name with that extension.
   */
  paletteOut?: readonly string[];
}

/** Checks the rules at the door; `maxPaletteSize` is the most colours the output can have. */
export function resolveOutputRules(
  options: OutputRuleOptions,
  maxPaletteSize: number,
): OutputRules {
  const { minPsnr } = options;
  if (minPsnr !== undefined) number('minPsnr', minPsnr, 0, 200);
  const skipIfLarger = options.skipIfLarger === true;
  const copyOriginal = options.copyOriginal === true;
  if (copyOriginal && !skipIfLarger && minPsnr === undefined)
    throw usageError(
      'copyOriginal (--copy-original) needs skipIfLarger or minPsnr: a rule that can refuse',
    );
  const paletteOut = [...(options.paletteOut ?? [])];
  for (const p of paletteOut)
    if (!isFormatName(p) && !paletteFormatOf(p))
      throw usageError(
        `Expected a palette file (${PALETTE_FORMATS.map((f) => `.${f}`).join(', ')}) or one of ${PALETTE_FORMATS.join(', ')} for paletteOut but received ${p}`,
      );
  if (
    maxPaletteSize > 256 &&
    paletteOut.some((p) => paletteFormatOf(`x.${p}`) === 'act' || paletteFormatOf(p) === 'act')
  )
    throw usageError(
      `an .act palette holds at most 256 colours; this output may have ${maxPaletteSize}`,
    );
  return { skipIfLarger, minPsnr, copyOriginal, paletteOut };
}

function isFormatName(p: string): boolean {
  return (PALETTE_FORMATS as readonly string[]).includes(p.toLowerCase());
}

/**
 * The palette files to write for `outputPath`: a bare format name stands for the output's name
 * with that extension (so `qml` beside `scan.tif` is `scan.qml`, the style QGIS loads with it).
 */
export function paletteOutPaths(rules: OutputRules, outputPath: string): string[] {
  const base = outputPath.slice(0, outputPath.length - extname(outputPath).length);
  return rules.paletteOut.map((p) => (isFormatName(p) ? `${base}.${p.toLowerCase()}` : p));
}

/** True when paletteOut names only formats, so it can serve every file of a batch. */
export function paletteOutIsBesideOutputs(rules: OutputRules): boolean {
  return rules.paletteOut.every(isFormatName);
}

/** The rule the finished output breaks, if any (minimum PSNR first: it says more). */
export function judgeOutput(
  rules: OutputRules,
  figures: { psnr: number; bytes: number; inputBytes: number },
): Omit<Rejection, 'original'> | undefined {
  if (rules.minPsnr !== undefined && figures.psnr < rules.minPsnr)
    return {
      rule: 'min-psnr',
      reason: `PSNR ${formatPsnr(figures.psnr)} is below --min-psnr ${rules.minPsnr}`,
    };
  if (rules.skipIfLarger && figures.bytes >= figures.inputBytes)
    return {
      rule: 'skip-if-larger',
      reason: `output of ${figures.bytes} bytes is not smaller than the input's ${figures.inputBytes}`,
    };
  return undefined;
}

/** Copies the input under the output's name, atomically: what --copy-original writes. */
export async function copyOriginal(inputPath: string, outputPath: string): Promise<number> {
  const out = atomicOutput(outputPath);
  try {
    await copyFile(inputPath, out.tempPath);
    await out.commit();
  } catch (err) {
    await out.discard();
    throw err;
  }
  return (await stat(outputPath)).size;
}
