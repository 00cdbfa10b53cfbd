// Makes a large photo-like test image in bounded memory: the example scene rendered small, then
// upscaled by libvips, which computes the output a few rows at a time as the encoder asks for them.
// Used by the memory test and the benchmark.
import sharp from 'sharp';
import { svg } from './scene.js';

/**
 * Writes a width x height image to `path`; the format follows the extension (.tif is tiled).
 * `variant` turns the hue, so that a folder of them is not one image many times.
 */
export async function makeLargeImage(path, width, height, variant = 0) {
  sharp.cache(false);
  const small = await sharp(Buffer.from(svg(1600, 1000)))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let img = sharp(small.data, { raw: small.info, limitInputPixels: false }).resize(width, height, {
    kernel: 'cubic',
    fit: 'fill',
  });
  if (variant) img = img.modulate({ hue: (variant * 37) % 360 });
  if (path.endsWith('.png')) img = img.png({ compressionLevel: 1 });
  else if (path.endsWith('.tif') || path.endsWith('.tiff'))
    img = img.tiff({ compression: 'deflate', tile: true, bigtiff: width * height * 3 > 2 ** 32 });
  await img.toFile(path);
  return path;
}
