import { expect } from 'vitest';
import { tool } from './cli.js';

/**
 * Makes a georeferenced copy of `input` with GDAL (not with gigaquant): UTM 33N, 10 m pixels, its
 * top-left corner at (500000, 5000000), and GDAL's nodata value when given.
 */
export function georeference(
  input: string,
  output: string,
  size: { width: number; height: number },
  nodata?: number,
): string {
  const made = tool('gdal_translate', [
    '-q',
    '-a_srs',
    'EPSG:32633',
    '-a_ullr',
    '500000',
    '5000000',
    String(500000 + 10 * size.width),
    String(5000000 - 10 * size.height),
    ...(nodata === undefined ? [] : ['-a_nodata', String(nodata)]),
    input,
    output,
  ]);
  expect(made.code, made.out).toBe(0);
  return output;
}
