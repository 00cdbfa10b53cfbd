// Draws examples/landscape.png, a 1600x1000 photo-like scene (sky gradient, sun, hills, textured
// ground, translucent-free RGB), so the demo needs no download. Deterministic: same bytes each run.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { svg } from './scene.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'landscape.png');
mkdirSync(join(here, 'out'), { recursive: true });

if (!existsSync(out) || process.argv.includes('--force')) {
  await sharp(Buffer.from(svg(1600, 1000)))
    .removeAlpha()
    .png()
    .toFile(out);
  console.log(`wrote ${out}`);
}
