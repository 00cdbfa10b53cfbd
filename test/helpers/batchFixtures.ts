import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { syntheticPixels, writeImage, type FixtureKind } from './images.js';

const KINDS: [FixtureKind, string][] = [
  ['png', 'png'],
  ['jpeg', 'jpg'],
  ['tiff-strip', 'tif'],
  ['tiff-tiled', 'tif'],
  ['webp', 'webp'],
];

/**
 * `good` small images of mixed formats spread over nested folders, plus a corrupt file and a
 * zero-byte file. Returns the relative paths of the good ones, sorted.
 */
export async function makeImageTree(
  root: string,
  good: number,
  size = { width: 64, height: 48 },
): Promise<string[]> {
  const rels: string[] = [];
  for (let i = 0; i < good; i++) {
    const [kind, ext] = KINDS[i % KINDS.length] as [FixtureKind, string];
    const folder = ['', 'a', 'a/b', 'c', 'c/d/e'][i % 5] as string;
    const rel = join(folder, `img${String(i).padStart(3, '0')}.${ext}`);
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    const channels = i % 7 === 3 ? 1 : 3;
    await writeImage(
      join(root, rel),
      syntheticPixels(size.width, size.height, channels, 100 + i),
      size.width,
      size.height,
      channels,
      kind,
    );
    rels.push(rel);
  }
  mkdirSync(join(root, 'c'), { recursive: true });
  writeFileSync(join(root, 'c', 'corrupt.png'), Buffer.from('not an image '.repeat(50)));
  writeFileSync(join(root, 'a', 'empty.tif'), Buffer.alloc(0));
  return rels.sort();
}

/** Output path for an input under the default name template. */
export function outputFor(rel: string, ext = 'png'): string {
  return rel.replace(/\.[^.]+$/, `.${ext}`);
}
