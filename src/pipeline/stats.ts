/** Peak signal-to-noise ratio in dB for 8-bit samples; Infinity when the error is zero. */
export function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Output bits spent per image pixel. */
export function bitsPerPixel(bytes: number, pixels: number): number {
  return (bytes * 8) / pixels;
}

/** The process's peak resident set size so far, in bytes, as the kernel counts it. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** A PSNR for people: two decimals, or "lossless". */
export function formatPsnr(psnr: number): string {
  return Number.isFinite(psnr) ? `${psnr.toFixed(2)} dB` : 'lossless';
}
