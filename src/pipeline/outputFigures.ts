/** What one output came to: the figures a manifest records and a report shows. */
export interface OutputFigures {
  width: number;
  height: number;
  k: number;
  colors: number;
  /** null when lossless. */
  psnr: number | null;
  bitsPerPixel: number;
  inputBytes: number;
  outputBytes: number;
  seconds: number;
}

/** The figures of a result, with JSON's null for the Infinity PSNR of a lossless one. */
export function figuresOf(result: Omit<OutputFigures, 'psnr'> & { psnr: number }): OutputFigures {
  return {
    width: result.width,
    height: result.height,
    k: result.k,
    colors: result.colors,
    psnr: Number.isFinite(result.psnr) ? result.psnr : null,
    bitsPerPixel: result.bitsPerPixel,
    inputBytes: result.inputBytes,
    outputBytes: result.outputBytes,
    seconds: result.seconds,
  };
}
