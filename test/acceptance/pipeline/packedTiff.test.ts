import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli, tool } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

let folder: ReturnType<typeof tempFolder>;
let input: string;
beforeAll(async () => {
  folder = tempFolder('gq-packed-');
  // An odd width: packed rows end inside a byte, and edge tiles are partly padding.
  input = await writeImage(
    join(folder.dir, 'in.png'),
    syntheticPixels(237, 101, 3, 5),
    237,
    101,
    3,
    'png',
  );
});
afterAll(() => folder.remove());

async function pixels(path: string): Promise<Buffer> {
  return sharp(path).toColourspace('srgb').removeAlpha().raw().toBuffer();
}

test.each([
  [2, 1],
  [4, 2],
  [16, 4],
  [17, 8],
])(
  'k=%i: a palette TIFF of %i-bit indices, strips and tiles, read right by libvips, tiffinfo and GDAL',
  async (k, bits) => {
    const at = (name: string) => join(folder.dir, `k${k}-${name}`);
    expect(runCli(['compress', input, '-k', String(k), '-o', at('ref.png')]).code).toBe(0);
    const reference = await pixels(at('ref.png'));
    for (const [name, extra] of [
      ['strips.tif', []],
      ['tiles.tif', ['--tile', '32']],
    ] as const) {
      const r = runCli(['compress', input, '-k', String(k), '-o', at(name), ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const info = tool('tiffinfo', [at(name)]).out;
      expect(info).toMatch(new RegExp(`Bits/Sample: ${bits}\\b`));
      expect(info).toMatch(/Photometric Interpretation: palette color/);
      expect((await pixels(at(name))).equals(reference), name).toBe(true);
      const gdal = tool('gdalinfo', [at(name)]).out;
      expect(gdal).toMatch(new RegExp(`Color Table \\(RGB with ${2 ** bits} entries\\)`));
    }
  },
);
