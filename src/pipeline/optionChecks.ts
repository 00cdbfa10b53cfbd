import { usageError } from '../errors.js';
import { hasAlphaChannel } from '../model/channels.js';
import type { Palette } from '../types.js';

/** Checks of option values at the door, each failing with sharp's kind of message. */

export function integer(
  name: string,
  value: unknown,
  min: number,
  max: number,
  context = '',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw usageError(
      `Expected an integer between ${min} and ${max} for ${name}${context ? ' ' + context : ''} but received ${String(value)}`,
    );
  }
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw usageError(
      `Expected one of ${choices.join(', ')} for ${name} but received ${String(value)}`,
    );
  }
  return value as T;
}

export function number(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw usageError(
      `Expected a number between ${min} and ${max} for ${name} but received ${String(value)}`,
    );
  }
  return value;
}

export function checkPalette(
  palette: Palette,
  alphaAllowed: boolean,
  maxK: number,
  context: string,
): void {
  if (palette.size < 1 || palette.size > maxK) {
    throw usageError(
      `A palette of ${palette.size} colours does not fit ${context}: at most ${maxK}`,
    );
  }
  if (
    ![1, 2, 3, 4].includes(palette.channels) ||
    palette.colors.length !== palette.size * palette.channels
  ) {
    throw usageError('A palette needs 1-4 channels and size x channels bytes of colours');
  }
  const alpha = hasAlphaChannel(palette.channels);
  if (alpha && !alphaAllowed) {
    throw usageError(
      `The palette has transparency, which ${context} cannot store; use PNG output or an opaque palette`,
    );
  }
}
