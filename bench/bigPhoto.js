// Gigapixel test images made from real photos: a mosaic of Debian's scikit-image and scikit-learn
// photos (what the fidelity table uses), upscaled by libvips as the encoder asks for rows, so
// memory stays bounded. Photo-derived pixels are slower for every tool than a smooth drawing.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { PHOTOS } from './fidelity.js';

const CELL = { width: 1200, height: 800 };

/** The photos in a 4 x 2 grid of 1200x800 cells (4800x1600): the source the big image is made from. */
async function mosaic() {
  const photos = PHOTOS.filter((p) => existsSync(p));
  if (photos.length === 0)
    throw new Error('no photos: apt-get install -y python3-skimage python3-sklearn');
  const cells = await Promise.all(
    Array.from({ length: 8 }, async (_, i) => ({
      input: await sharp(photos[i % photos.length])
        .removeAlpha()
        .resize(CELL.width, CELL.height, { fit: 'cover' })
        .toBuffer(),
      left: (i % 4) * CELL.width,
      top: Math.floor(i / 4) * CELL.height,
    })),
  );
  return sharp({
    create: { width: 4 * CELL.width, height: 2 * CELL.height, channels: 3, background: '#000' },
  })
    .composite(cells)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
}

/** Writes a width x height tiled TIFF (tiles of `tile` pixels, deflate) upscaled from the mosaic. */
export async function makeBigPhoto(path, width, height, tile = 128) {
  sharp.cache(false);
  const { data, info } = await mosaic();
  await sharp(data, { raw: info, limitInputPixels: false })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .tiff({
      compression: 'deflate',
      tile: true,
      tileWidth: tile,
      tileHeight: tile,
      bigtiff: width * height * 3 > 2 ** 32,
    })
    .toFile(path);
  return path;
}
