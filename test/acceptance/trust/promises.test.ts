import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';
import { georeference } from '../../helpers/geo.js';

/** What the README promises, held to the letter on inputs that carry metadata. */
const folder = tempFolder('gq-promises-');
const at = (name: string): string => join(folder.dir, name);
afterAll(() => folder.remove());

beforeAll(async () => {
  await writeImage(at('plain.png'), syntheticPixels(120, 80, 3, 51), 120, 80, 3, 'png');
  await sharp(at('plain.png')).withMetadata({ density: 300 }).png().toFile(at('dpi.png'));
  expect((await sharp(at('dpi.png')).metadata()).density).toBe(300);
});

describe('decompress gives the palette output byte for byte, resolution included', () => {
  test.each(['npy', 'png', 'tif'])('labels as .%s', (ext) => {
    const direct = at(`direct-${ext}.png`);
    const labels = at(`labels-${ext}.${ext}`);
    expect(runCli(['compress', at('dpi.png'), '-k', '8', '-o', direct]).code).toBe(0);
    expect(runCli(['compress', at('dpi.png'), '-k', '8', '-o', labels, '--labels']).code).toBe(0);
    expect(runCli(['decompress', labels, '-o', at(`back-${ext}.png`)]).code).toBe(0);
    expect(readFileSync(at(`back-${ext}.png`)).equals(readFileSync(direct))).toBe(true);
  });

  test('.npy labels of a GeoTIFF come back georeferenced (gdalinfo)', () => {
    const geo = georeference(at('plain.png'), at('geo.tif'), { width: 12, height: 8 });
    expect(runCli(['compress', geo, '-k', '8', '-o', at('geo.npy')]).code).toBe(0);
    expect(runCli(['decompress', at('geo.npy'), '-o', at('geo-back.tif')]).code).toBe(0);
    const info = tool('gdalinfo', [at('geo-back.tif')]).out;
    expect(info).toMatch(/UTM zone 33N/);
    expect(info).toMatch(/Origin = \(500000\.0+,5000000\.0+\)/);
  });
});
