/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { tempFolder, writeImage, type FixtureKind } from '../../helpers/images.js';
import { Rng } from '../../../src/cluster/Rng.js';

interface Crop {
  k: number;
  uri: string;
  psnr: number | null;
}
interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
  original: string;
  quantized: Crop[];
}
interface ReportData {
  images: { loupe?: Region[]; width: number; height: number }[];
  sweep?: { loupe?: Region[]; knee: number; points: { k: number }[] };
}

const WIDTH = 900;
const HEIGHT = 600;
/** The drawn worst region: colour noise, which no 8 colours can follow. */
const WORST = { left: 610, top: 380, size: 48 };
/** The second worst: grey noise of +-40 about mid grey. */
const SECOND = { left: 120, top: 90, size: 48 };

/**
 * Three flat bands with the two noise patches drawn in: nothing else has an error worth a
 * region, whatever k-means makes of the flat colours (a gradient's error would rank against the
 * grey patch's by the fit's choices).
 */
function drawn(): Uint8Array {
  const rng = new Rng(11);
  const px = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      const inside = (p: typeof WORST) =>
        x >= p.left && x < p.left + p.size && y >= p.top && y < p.top + p.size;
      if (inside(WORST)) for (let c = 0; c < 3; c++) px[o + c] = rng.int(256);
      else if (inside(SECOND)) px.fill(88 + rng.int(81), o, o + 3);
      else if (y < 200) px.set([40, 90, 160], o);
      else if (y < 400) px.set([200, 180, 60], o);
      else px.set([30, 140, 70], o);
    }
  return px;
}

let folder: ReturnType<typeof tempFolder>;
const input = (kind: FixtureKind) => join(folder.dir, `drawn.${kind === 'png' ? 'png' : 'tif'}`);

beforeAll(async () => {
  folder = tempFolder('gq-loupe-');
  for (const kind of ['png', 'tiff-tiled'] as const)
    await writeImage(input(kind), drawn(), WIDTH, HEIGHT, 3, kind);
});
afterAll(() => folder.remove());

function reportData(path: string): ReportData {
  const html = readFileSync(path, 'utf8');
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(json?.[1] ?? 'null') as ReportData;
}

/** A data URI's image decoded by libvips, as RGBA. */
async function decodeUri(uri: string): Promise<{ data: Buffer; width: number; height: number }> {
  const m = /^data:image\/webp;base64,(.+)$/.exec(uri);
  expect(m, 'a WebP data URI').not.toBeNull();
  const { data, info } = await sharp(Buffer.from(m?.[1] ?? '', 'base64'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The file's pixels under a region, decoded by libvips, as RGBA. */
async function fileRegion(path: string, r: Region): Promise<Buffer> {
  return sharp(path)
    .extract({ left: r.left, top: r.top, width: r.width, height: r.height })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer();
}

function covers(r: Region, patch: typeof WORST): boolean {
  return (
    r.left <= patch.left &&
    r.top <= patch.top &&
    r.left + r.width >= patch.left + patch.size &&
    r.top + r.height >= patch.top + patch.size
  );
}

function psnrOf(a: Buffer, b: Buffer): number {
  let sse = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sse += ((a[i] as number) - (b[i] as number)) ** 2;
    n++;
  }
  return sse === 0 ? Infinity : 10 * Math.log10((255 * 255) / (sse / n));
}

function compressWithReport(name: string, args: string[]): { out: string; data: ReportData } {
  const out = join(folder.dir, name);
  const html = join(folder.dir, `${name}.html`);
  const r = runCli(['compress', ...args, '-o', out, '--report', html, '-q']);
  expect(r.code, r.stderr).toBe(0);
  return { out, data: reportData(html) };
}

describe('the report loupe', () => {
  test('shows the drawn worst region first and the next worst second, at 1:1, crops as the files hold them', async () => {
    const { out, data } = compressWithReport('palette.png', [input('png'), '-k', '8']);
    const loupe = data.images[0]?.loupe ?? [];
    expect(loupe.length).toBeGreaterThanOrEqual(2);
    expect(covers(loupe[0] as Region, WORST)).toBe(true);
    expect(covers(loupe[1] as Region, SECOND)).toBe(true);
    for (const region of loupe) {
      expect([region.width, region.height]).toEqual([192, 192]);
      const original = await decodeUri(region.original);
      expect([original.width, original.height]).toEqual([192, 192]);
      expect(original.data.equals(await fileRegion(input('png'), region))).toBe(true);
      expect(region.quantized.map((q) => q.k)).toEqual([8]);
      const quantized = await decodeUri((region.quantized[0] as Crop).uri);
      // An independent decoder reads the same pixels from the written PNG.
      expect(quantized.data.equals(await fileRegion(out, region))).toBe(true);
      expect((region.quantized[0] as Crop).psnr).toBeCloseTo(
        psnrOf(original.data, quantized.data),
        6,
      );
    }
  });

  test('dithered labels (.npy) and a lossy JPEG: the crops are read back from the files', async () => {
    const labels = compressWithReport('labels.npy', [
      input('tiff-tiled'),
      '-k',
      '8',
      '--dither',
      '1',
    ]);
    const [worst] = labels.data.images[0]?.loupe ?? [];
    expect(worst && covers(worst, WORST)).toBe(true);
    const codebook = JSON.parse(readFileSync(join(folder.dir, 'labels.codebook.json'), 'utf8')) as {
      colors: number[][];
    };
    const npy = readFileSync(labels.out);
    const offset = 10 + npy.readUInt16LE(8);
    const region = worst as Region;
    const expected = Buffer.alloc(region.width * region.height * 4);
    for (let y = 0; y < region.height; y++)
      for (let x = 0; x < region.width; x++) {
        const label = npy[offset + (region.top + y) * WIDTH + region.left + x] as number;
        const colour = codebook.colors[label] as number[];
        expected.set([...colour.slice(0, 3), 255], (y * region.width + x) * 4);
      }
    const dithered = await decodeUri((region.quantized[0] as Crop).uri);
    expect(dithered.data.equals(expected)).toBe(true);

    const jpeg = compressWithReport('colours.jpg', [input('png'), '-k', '8']);
    for (const r of jpeg.data.images[0]?.loupe ?? []) {
      const crop = await decodeUri((r.quantized[0] as Crop).uri);
      expect(crop.data.equals(await fileRegion(jpeg.out, r))).toBe(true);
    }
  });

  test('a lossless result has no loupe: nothing to look for', async () => {
    const flat = join(folder.dir, 'flat.png');
    const bands = new Uint8Array(WIDTH * HEIGHT * 3);
    for (let p = 0; p < WIDTH * HEIGHT; p++)
      bands.set(p < (WIDTH * HEIGHT) / 2 ? [9, 9, 9] : [200, 10, 10], p * 3);
    await writeImage(flat, bands, WIDTH, HEIGHT, 3, 'png');
    const { data } = compressWithReport('exact.png', [flat, '-k', '8']);
    expect(data.images[0]?.loupe).toBeUndefined();
  });

  test('sweep --report: the same regions at every k, each crop of that k', async () => {
    const html = join(folder.dir, 'sweep.html');
    const r = runCli(['sweep', input('tiff-tiled'), '-k', '4,8,16', '--report', html]);
    expect(r.code, r.stderr).toBe(0);
    const { sweep } = reportData(html);
    const loupe = sweep?.loupe ?? [];
    expect(loupe.length).toBeGreaterThanOrEqual(1);
    expect(loupe.some((region) => covers(region, WORST))).toBe(true);
    for (const region of loupe) {
      expect(region.quantized.map((q) => q.k)).toEqual([4, 8, 16]);
      const original = await decodeUri(region.original);
      expect(original.data.equals(await fileRegion(input('tiff-tiled'), region))).toBe(true);
      for (const q of region.quantized) {
        const crop = await decodeUri(q.uri);
        const colours = new Set<number>();
        for (let i = 0; i < crop.data.length; i += 4) colours.add(crop.data.readUInt32LE(i));
        expect(colours.size).toBeLessThanOrEqual(q.k);
        expect(q.psnr).toBeCloseTo(psnrOf(original.data, crop.data), 6);
      }
    }
  });
});

describe('the loupe in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => browser?.close());

  test('every crop is there and drawn 1:1, unsmoothed, and each region is marked on the overview', async () => {
    const html = join(folder.dir, 'browser.html');
    const r = runCli([
      'compress',
      input('png'),
      '-k',
      '8',
      '-o',
      join(folder.dir, 'b.png'),
      '--report',
      html,
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const regions = reportData(html).images[0]?.loupe ?? [];
    const page = await browser.newPage({
      viewport: { width: 1280, height: 1000 },
      deviceScaleFactor: 1,
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`);
    await page.waitForSelector('section.loupe img.actual');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('section.loupe img')).every(
        (i) => (i as HTMLImageElement).complete,
      ),
    );
    const crops = await page.$$eval('section.loupe img.actual', (imgs) =>
      imgs.map((img) => {
        const i = img as HTMLImageElement;
        const box = i.getBoundingClientRect();
        return {
          natural: [i.naturalWidth, i.naturalHeight],
          shown: [box.width, box.height],
          rendering: getComputedStyle(i).imageRendering,
        };
      }),
    );
    expect(crops).toHaveLength(regions.length * 2);
    for (const c of crops) {
      expect(c.natural).toEqual([192, 192]);
      expect(c.shown).toEqual(c.natural);
      expect(c.rendering).toBe('pixelated');
    }
    const marks = await page.$$eval('section.loupe .overview .mark', (m) =>
      m.map((e) => {
        const box = e.getBoundingClientRect();
        const map = (e.parentElement as HTMLElement).getBoundingClientRect();
        return [(box.left - map.left) / map.width, (box.top - map.top) / map.height];
      }),
    );
    expect(marks).toHaveLength(regions.length);
    const first = regions[0] as Region;
    expect(marks[0]?.[0]).toBeCloseTo(first.left / WIDTH, 2);
    expect(marks[0]?.[1]).toBeCloseTo(first.top / HEIGHT, 2);
    const firstShown = await page.$eval('section.loupe .region', (e) => [
      Number((e as HTMLElement).dataset.left),
      Number((e as HTMLElement).dataset.top),
    ]);
    expect(firstShown).toEqual([first.left, first.top]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
