import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

const folder = tempFolder('gq-eval-');
afterAll(() => folder.remove());

beforeAll(async () => {
  await writeImage(join(folder.dir, 'a.png'), syntheticPixels(96, 64, 3, 1), 96, 64, 3, 'png');
  await writeImage(join(folder.dir, 'b.png'), syntheticPixels(96, 64, 3, 2), 96, 64, 3, 'png');
  // Big enough for the tile decode threads (4 Mpx; deflate, which gigaquant decodes itself)
  // and, at k=64, for the k-means partner.
  const side = 2048;
  await sharp(Buffer.from(syntheticPixels(side, side, 3, 3)), {
    raw: { width: side, height: side, channels: 3 },
  })
    .tiff({ compression: 'deflate', tile: true, tileWidth: 128, tileHeight: 128 })
    .toFile(join(folder.dir, 'big.tif'));
});

/** Runs `script` as `node --input-type=module -e script` does, in the test folder. */
function evalModule(script: string): { code: number; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: folder.dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

const DIST = new URL('../../../dist/', import.meta.url).href;

// Threads inherit the process's options, and one started from a file with --input-type dies at
// once: a batch failed every file, and the threads were silently done without.
test('called from node --input-type=module -e, the library still has its threads', () => {
  const { code, out } = evalModule(`
    import { quantizeFile, runBatch, shutdownRuntime } from '${DIST}index.js';
    import { partnerThread } from '${DIST}runtime/partnerThread.js';
    import { tileDecodeThreads } from '${DIST}io/tiff/tileDecodeThreads.js';
    const batch = await runBatch({ inputs: ['*.png'], outDir: 'out', quantize: { k: 4 } });
    await quantizeFile('big.tif', 'big.out.tif', { k: 64 });
    console.log(JSON.stringify({
      done: batch.done, failed: batch.failed,
      partner: partnerThread.wanted, tileThreads: !tileDecodeThreads.broken,
    }));
    await shutdownRuntime();
  `);
  expect(code, out).toBe(0);
  expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({
    done: 2,
    failed: 0,
    partner: true,
    tileThreads: true,
  });
});
