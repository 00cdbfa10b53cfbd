import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quantizeFile } from '../../src/index.js';
import { srgbToOklab } from '../../src/cluster/oklab.js';
import { tool } from '../helpers/cli.js';
import {
  decodeRgba,
  syntheticPixels,
  tempFolder,
  writeImage,
  type FixtureKind,
} from '../helpers/images.js';
import { verifyOutput } from '../helpers/verify.js';

const W = 97;
const H = 61;
let folder: ReturnType<typeof tempFolder>;
beforeAll(() => {
  folder = tempFolder();
});
afterAll(() => folder.remove());

async function fixture(name: string, channels: 1 | 2 | 3 | 4, kind: FixtureKind): Promise<string> {
  return writeImage(join(folder.dir, name), syntheticPixels(W, H, channels), W, H, channels, kind);
}

const INPUTS: [string, 1 | 2 | 3 | 4, FixtureKind][] = [
  ['rgb.png', 3, 'png'],
  ['rgba.png', 4, 'png'],
  ['grey.png', 1, 'png'],
  ['grey-alpha.png', 2, 'png'],
  ['rgb16.png', 3, 'png16'],
  ['grey16.png', 1, 'png16'],
  ['rgb.jpg', 3, 'jpeg'],
  ['cmyk.jpg', 3, 'jpeg-cmyk'],
  ['rgba.webp', 4, 'webp'],
  ['rgb.gif', 3, 'gif'],
  ['rgb-strips.tif', 3, 'tiff-strip'],
  ['rgba-tiled.tif', 4, 'tiff-tiled'],
  ['rgb-big.tif', 3, 'bigtiff'],
  ['grey-tiled.tif', 1, 'tiff-tiled'],
  ['rgb.v', 3, 'vips'],
];

describe('quantizeFile on every kind of input', () => {
  test.each(INPUTS)('%s to PNG and TIFF', async (name, channels, kind) => {
    const input = await fixture(name, channels, kind);
    for (const ext of ['png', 'tif']) {
      const output = join(folder.dir, `${name}.k16.${ext}`);
      const result = await quantizeFile(input, output, { k: 16, bandHeight: 9 });
      await verifyOutput(result, 16);
      // Translucent RGBA cannot go in a colour histogram: it is fitted on a sample instead.
      const translucentRgba = ext === 'png' && channels === 4;
      expect(result.fit.method).toBe(translucentRgba ? 'mini-batch-kmeans' : 'kmeans-histogram');
      expect(result.fit.steps).toBeGreaterThan(0);
      expect(result.psnr).toBeGreaterThan(15);
      expect(result.spooled).toBe(!name.endsWith('.tif') && !name.endsWith('.v'));
      const hasAlpha = channels === 2 || channels === 4;
      if (ext === 'png') expect(result.channels).toBe(channels);
      else expect(result.channels).toBe(hasAlpha ? channels - 1 : channels);
      if (ext === 'tif' && hasAlpha)
        expect(result.warnings.join()).toMatch(/cannot store transparency/);
      else expect(result.warnings).toEqual([]);
    }
  });

  test('transparency survives in PNG output as a tRNS chunk', async () => {
    const input = await fixture('alpha-trns.png', 4, 'png');
    const output = join(folder.dir, 'alpha-trns.k8.png');
    await quantizeFile(input, output, { k: 8 });
    expect(tool('pngcheck', ['-v', output]).out).toMatch(/chunk tRNS/);
  });

  test('opaque alpha is dropped: no tRNS and no warning', async () => {
    const pixels = syntheticPixels(W, H, 4);
    for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
    const input = await writeImage(join(folder.dir, 'opaque.png'), pixels, W, H, 4, 'png');
    const result = await quantizeFile(input, join(folder.dir, 'opaque.k8.png'), { k: 8 });
    expect(result.channels).toBe(3);
    expect(tool('pngcheck', ['-v', result.output]).out).not.toMatch(/tRNS/);
    await verifyOutput(result, 8);
  });
});

test('a spooled input leaves nothing in the temporary folder', async () => {
  const input = await fixture('spool-clean.jpg', 3, 'jpeg');
  const tmp = tempFolder();
  try {
    const result = await quantizeFile(input, join(folder.dir, 'spool-clean.png'), {
      k: 8,
      tmpDir: tmp.dir,
    });
    expect(result.spooled).toBe(true);
    expect(readdirSync(tmp.dir)).toEqual([]);
  } finally {
    tmp.remove();
  }
});

describe('palettes', () => {
  test('an image with no more than k colours gets exactly its colours, losslessly', async () => {
    const colours = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [20, 20, 20],
      [250, 250, 250],
    ];
    const pixels = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++)
      pixels.set(colours[(p * 7 + Math.floor(p / W)) % 5] as number[], p * 3);
    const input = await writeImage(join(folder.dir, 'five.png'), pixels, W, H, 3, 'png');
    for (const ext of ['png', 'tif']) {
      const result = await quantizeFile(input, join(folder.dir, `five.k8.${ext}`), { k: 8 });
      expect(result.fit.method).toBe('exact');
      expect(result.fit.stopReason).toBe('exact-colors');
      expect(result.colors).toBe(5);
      expect(result.psnr).toBe(Infinity);
      expect(result.mse).toBe(0);
      await verifyOutput(result, 5);
    }
  });

  test('k = 2 gives a 1-bit PNG, k = 300 a 16-bit TIFF', async () => {
    const input = await fixture('depths.png', 3, 'png');
    const png = await quantizeFile(input, join(folder.dir, 'depths.k2.png'), { k: 2 });
    expect(tool('pngcheck', ['-v', png.output]).out).toMatch(/1-bit palette/);
    await verifyOutput(png, 2);
    const tif = await quantizeFile(input, join(folder.dir, 'depths.k300.tif'), { k: 300 });
    expect(tif.colors).toBeGreaterThan(256);
    await verifyOutput(tif, 300);
  });

  test('BigTIFF output decodes to the same pixels as classic TIFF', async () => {
    const input = await fixture('big-out.png', 3, 'png');
    const classic = await quantizeFile(input, join(folder.dir, 'classic.tif'), {
      k: 32,
      bigtiff: false,
    });
    const big = await quantizeFile(input, join(folder.dir, 'big.tif'), { k: 32, bigtiff: true });
    expect(classic.bigtiff).toBe(false);
    expect(big.bigtiff).toBe(true);
    expect(readFileSync(big.output).readUInt16LE(2)).toBe(43);
    expect(tool('tiffinfo', [big.output]).out).toContain('palette color');
    await verifyOutput(big, 32);
    expect(big.palette).toEqual(classic.palette);
  });
});

describe('determinism', () => {
  test.each(['png', 'tif'])(
    'same input, options and seed give the same %s bytes; the seed reaches the random starts',
    async (ext) => {
      // RGB: the first run starts from Wu's boxes, the other two from seeded k-means++; RGBA with
      // translucency: mini-batch k-means on a seeded sample.
      const rgb = await fixture(`det-${ext}.png`, 3, 'png');
      const rgba = await fixture(`det-${ext}-alpha.png`, 4, 'png');
      const run = async (input: string, name: string, seed: number): Promise<Buffer> => {
        await quantizeFile(input, join(folder.dir, name), { k: 24, seed, nInit: 3 });
        return readFileSync(join(folder.dir, name));
      };
      for (const input of [rgb, rgba]) {
        const a = await run(input, `det-a.${ext}`, 3);
        const b = await run(input, `det-b.${ext}`, 3);
        expect(b.equals(a)).toBe(true);
      }
      const c = await run(rgba, `det-c.${ext}`, 3);
      const d = await run(rgba, `det-d.${ext}`, 4);
      expect(d.equals(c)).toBe(false);
    },
  );

  test.each(['png', 'tif'])('band height does not change the %s bytes', async (ext) => {
    const [w, h] = [420, 333];
    const input = await writeImage(
      join(folder.dir, `bands-${ext}.tif`),
      syntheticPixels(w, h, 4),
      w,
      h,
      4,
      'tiff-strip',
    );
    const outputs = await Promise.all(
      [1, 7, 64].map(async (bandHeight) => {
        const output = join(folder.dir, `bands-${bandHeight}.${ext}`);
        await quantizeFile(input, output, { k: 20, bandHeight });
        return readFileSync(output);
      }),
    );
    expect(outputs[1]?.equals(outputs[0] as Buffer)).toBe(true);
    expect(outputs[2]?.equals(outputs[0] as Buffer)).toBe(true);
  });
});

describe('a given palette', () => {
  const rgb = { size: 3, channels: 3, colors: Uint8Array.of(0, 0, 0, 128, 128, 128, 250, 40, 40) };

  test('is applied as it is, without fitting, to colour and grey images', async () => {
    for (const [name, channels] of [
      ['given-rgb.png', 3],
      ['given-grey.png', 1],
    ] as const) {
      const input = await fixture(name, channels, 'png');
      const result = await quantizeFile(input, join(folder.dir, `${name}.out.png`), {
        palette: rgb,
      });
      expect(result.fit.method).toBe('given');
      expect(result.palette).toEqual(rgb);
      expect(result.k).toBe(3);
      await verifyOutput(result, 3);
    }
  });

  test('without alpha, drops an image’s transparency with a warning', async () => {
    const input = await fixture('given-rgba.png', 4, 'png');
    const result = await quantizeFile(input, join(folder.dir, 'given-rgba.out.png'), {
      palette: rgb,
    });
    expect(result.warnings.join()).toMatch(/palette has no transparency/);
    await verifyOutput(result, 3);
  });

  test('with alpha, is refused for TIFF output', async () => {
    const input = await fixture('given-alpha.png', 3, 'png');
    const rgba = { size: 1, channels: 4, colors: Uint8Array.of(1, 2, 3, 4) };
    await expect(quantizeFile(input, join(folder.dir, 'x.tif'), { palette: rgba })).rejects.toThrow(
      /transparency, which for TIFF palette output .* cannot store/,
    );
  });
});

test('pixels are quantized as stored: an embedded ICC profile is not applied to them', async () => {
  const colours = [
    [200, 30, 30],
    [20, 180, 60],
    [30, 40, 220],
  ];
  const pixels = new Uint8Array(W * H * 3);
  for (let p = 0; p < W * H; p++) pixels.set(colours[p % 3] as number[], p * 3);
  const input = join(folder.dir, 'p3.png');
  await sharp(Buffer.from(pixels), { raw: { width: W, height: H, channels: 3 } })
    .withIccProfile('p3')
    .png()
    .toFile(input);
  expect((await sharp(input).metadata()).icc).toBeDefined();
  const result = await quantizeFile(input, join(folder.dir, 'p3.k4.png'), { k: 4 });
  expect(result.psnr).toBe(Infinity);
  const hex = (c: number[]) => c.map((v) => v.toString(16).padStart(2, '0')).join('');
  const palette = Array.from({ length: result.colors }, (_, i) =>
    hex(Array.from(result.palette.colors.subarray(i * 3, i * 3 + 3))),
  );
  // The values stored in the file (as libvips reads them without colour management, and as PIL
  // and numpy users see them), not the colours the profile maps them to.
  const stored = await sharp(input).keepIccProfile().raw().toBuffer();
  const storedColours = [0, 1, 2].map((p) => hex(Array.from(stored.subarray(p * 3, p * 3 + 3))));
  const managed = await sharp(input).raw().toBuffer();
  expect(hex(Array.from(managed.subarray(0, 3)))).not.toBe(storedColours[0]);
  expect(palette.sort()).toEqual(storedColours.sort());
});

describe('--space oklab', () => {
  test('fits and matches in OKLab: every pixel gets the palette colour nearest in OKLab', async () => {
    const input = await fixture('oklab.png', 3, 'png');
    const result = await quantizeFile(input, join(folder.dir, 'oklab.k12.png'), {
      k: 12,
      space: 'oklab',
    });
    expect(result.warnings).toEqual([]);
    const { palette } = result;
    const lab = new Float64Array(palette.size * 3);
    for (let i = 0; i < palette.size; i++) {
      srgbToOklab(
        palette.colors[i * 3] as number,
        palette.colors[i * 3 + 1] as number,
        palette.colors[i * 3 + 2] as number,
        lab,
        i * 3,
      );
    }
    const src = await decodeRgba(input);
    const out = await decodeRgba(result.output);
    const p = new Float64Array(3);
    for (let px = 0; px < W * H; px++) {
      srgbToOklab(
        src.data[px * 3] as number,
        src.data[px * 3 + 1] as number,
        src.data[px * 3 + 2] as number,
        p,
        0,
      );
      let best = Infinity;
      let bestI = 0;
      for (let i = 0; i < palette.size; i++) {
        const d =
          (p[0]! - lab[i * 3]!) ** 2 +
          (p[1]! - lab[i * 3 + 1]!) ** 2 +
          (p[2]! - lab[i * 3 + 2]!) ** 2;
        if (d < best) [best, bestI] = [d, i];
      }
      expect(Array.from(out.data.subarray(px * 3, px * 3 + 3))).toEqual(
        Array.from(palette.colors.subarray(bestI * 3, bestI * 3 + 3)),
      );
    }
    const rgb = await quantizeFile(input, join(folder.dir, 'rgb.k12.png'), { k: 12 });
    expect(rgb.palette).not.toEqual(result.palette);
  });

  test('falls back to RGB, with a warning, for grey images', async () => {
    const input = await fixture('oklab-grey.png', 1, 'png');
    const result = await quantizeFile(input, join(folder.dir, 'oklab-grey.png.out.png'), {
      k: 6,
      space: 'oklab',
    });
    expect(result.warnings.join()).toMatch(/--space oklab applies to opaque RGB images/);
    await verifyOutput(result, 6);
  });
});

describe('--target-psnr', () => {
  test('picks the smallest k that reaches the target, and says what it reached', async () => {
    const input = await fixture('target.png', 3, 'png');
    const target = 24;
    const result = await quantizeFile(input, join(folder.dir, 'target.png.out.png'), {
      targetPsnr: target,
      k: 64,
    });
    expect(result.target).toMatchObject({ psnr: target, reached: true });
    expect(result.psnr).toBeGreaterThanOrEqual(target);
    expect(result.target?.predictedPsnr).toBeCloseTo(result.psnr, 9);
    expect(result.k).toBe(result.colors);
    const below = await quantizeFile(input, join(folder.dir, 'target-below.png'), {
      k: result.k - 1,
    });
    expect(below.psnr).toBeLessThan(target);
    await verifyOutput(result, result.k);
  });

  test('says so when even the most colours allowed fall short', async () => {
    const input = await fixture('target-short.png', 3, 'png');
    const result = await quantizeFile(input, join(folder.dir, 'target-short.out.png'), {
      targetPsnr: 80,
      k: 4,
    });
    expect(result.target).toMatchObject({ reached: false });
    expect(result.k).toBe(4);
    expect(result.warnings.join()).toMatch(/no k up to 4 reaches 80 dB; used k=4/);
  });
});
