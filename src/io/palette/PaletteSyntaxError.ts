/** A palette file that cannot be read, at a line (1-based) when the format has lines. */
export class PaletteSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'PaletteSyntaxError';
  }
}

/** The text of a palette file, or a PaletteSyntaxError: a byte that is not UTF-8 is damage. */
export function paletteText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PaletteSyntaxError('not UTF-8 text');
  }
}

/** The text's lines, numbered from 1, without their line ends. */
export function numberedLines(text: string): { line: number; text: string }[] {
  return text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t }));
}

/** A channel value 0-255 written as decimal digits, or a PaletteSyntaxError naming `what`. */
export function channelValue(token: string | undefined, what: string, line: number): number {
  if (token === undefined || !/^\d{1,3}$/.test(token) || Number(token) > 255)
    throw new PaletteSyntaxError(`${what}: expected a value 0-255, found "${token ?? ''}"`, line);
  return Number(token);
}
