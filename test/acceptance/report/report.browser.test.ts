/// <reference lib="dom" />
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { syntheticPixels, tempFolder, writeImage } from '../../helpers/images.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts', import.meta.url));
/** A name that runs script wherever it is pasted into HTML instead of shown as text. */
const HOSTILE = '<img src=x onerror=alert(1)>';
/** And one for the failed file, whose name also appears inside an error message. */
const HOSTILE_FAILED = '"><svg onload=alert(2)>';

let folder: ReturnType<typeof tempFolder>;
let browser: Browser;
let page: Page;
let report: string;
const consoleErrors: string[] = [];
const requests: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  folder = tempFolder('gq-report-');
  const inputs = join(folder.dir, 'in');
  mkdirSync(inputs);
  for (const [i, name] of ['forest.png', 'harbour.png', `${HOSTILE}.png`].entries()) {
    await writeImage(join(inputs, name), syntheticPixels(120, 80, 3, 10 + i), 120, 80, 3, 'png');
  }
  writeFileSync(join(inputs, `${HOSTILE_FAILED}.png`), 'not an image at all');
  const out = join(folder.dir, 'out');
  const run = runCli(['batch', join(inputs, '*'), '--out-dir', out, '-k', '12', '--report', '-q']);
  expect(run.code, run.stderr).toBe(5);
  report = join(out, 'report.html');

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== `file://${report}`) requests.push(r.url());
  });
  await page.goto(`file://${report}`);
  await page.waitForSelector('table.summary tbody tr');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  folder.remove();
});

describe('the report of a batch, in Chromium', () => {
  test('a table row per done image, sortable by any column', async () => {
    const names = () =>
      page.$$eval('table.summary tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    expect((await names()).sort()).toEqual([`${HOSTILE}.png`, 'forest.png', 'harbour.png'].sort());
    const headers = await page.$$eval('table.summary th', (ths) => ths.map((t) => t.textContent));
    expect(headers).toEqual([
      'image',
      'size',
      'k',
      'PSNR',
      'bits/px',
      'input',
      'output',
      'ratio',
      'time',
    ]);
    const psnrColumn = async () =>
      page.$$eval('table.summary tbody tr td:nth-child(4)', (tds) =>
        tds.map((t) => parseFloat(t.textContent ?? '')),
      );
    await page.click('table.summary th:nth-child(4) button');
    const ascending = await psnrColumn();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.click('table.summary th:nth-child(4) button');
    const descending = await psnrColumn();
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.getAttribute('table.summary th:nth-child(4)', 'aria-sort')).toBe(
      'descending',
    );
  });

  test('thumbnails, swatches with shares, and a 3D view that turns when dragged', async () => {
    await page.click(`text=harbour.png`);
    const thumbs = await page.$$eval('.details .pair img', (imgs) =>
      imgs.map((i) => [
        (i as HTMLImageElement).naturalWidth,
        (i as HTMLImageElement).src.slice(0, 15),
      ]),
    );
    expect(thumbs).toEqual([
      [120, 'data:image/webp'],
      [120, 'data:image/webp'],
    ]);
    const swatches = await page.$$eval('.details .swatch', (s) => s.map((x) => x.textContent));
    expect(swatches).toHaveLength(12);
    for (const s of swatches) expect(s).toMatch(/^#[0-9a-f]{6}\d+\.\d%$/);
    const shares = swatches.map((s) => parseFloat((s as string).slice(7)));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);

    const canvas = await page.$('.details canvas.cube');
    expect(canvas).not.toBeNull();
    await canvas!.scrollIntoViewIfNeeded();
    const before = await canvas!.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const box = (await canvas!.boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 260, box.y + 230, { steps: 5 });
    await page.mouse.up();
    const after = await canvas!.evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    expect(after).not.toBe(before);
    // The table's small thumbnails load as they scroll into view.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('table.summary img')).every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
    );
  });

  test('the failed file is listed with its reason', async () => {
    const failed = await page.$$eval('ul.failed li', (lis) => lis.map((l) => l.textContent));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`${HOSTILE_FAILED}.png`);
    expect(failed[0]).toMatch(/not a readable image/);
  });

  test('hostile names show as text and run nothing', async () => {
    await page.click('table.summary tbody tr:has-text("onerror")');
    expect(await page.textContent('.details h2')).toBe(`${HOSTILE}.png`);
    expect(dialogs).toEqual([]);
    // No element was made from a name: the only <img>s are ours, all with data: sources.
    const sources = await page.$$eval('img', (imgs) =>
      imgs.map((i) => i.getAttribute('src') ?? i.getAttribute('data-src') ?? ''),
    );
    for (const src of sources) expect(src).toMatch(/^data:image\/webp;base64,/);
    expect(await page.$('svg[onload], img[onerror]')).toBeNull();
  });

  test('no console errors, no network requests; a screenshot is kept', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });
});

test('the page is one self-contained file: no external URL, a CSP that allows only its script', () => {
  const html = readFileSync(report, 'utf8');
  expect(html).toMatch(
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/,
  );
  expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  // The hostile names are in the data block only, escaped so that they cannot close it.
  expect(html).not.toContain(HOSTILE);
  expect(html).not.toContain(HOSTILE_FAILED);
  copyFileSync(report, join(folder.dir, 'copy.html'));
});

describe('gigaquant report, later, from the folder or its manifest', () => {
  const dataOf = (path: string) => {
    const html = readFileSync(path, 'utf8');
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(
      html,
    );
    return JSON.parse(json?.[1] ?? 'null') as {
      images: { input: string; thumbs?: object }[];
      failed: object[];
    };
  };

  test('gives the same images and failures as --report did, thumbnails included', () => {
    const out = join(folder.dir, 'out');
    const again = join(folder.dir, 'again.html');
    const r = runCli(['report', join(out, 'gigaquant-manifest.jsonl'), '-o', again]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/report: .*again\.html \(3 images, 1 failed\)/);
    const [first, second] = [dataOf(report), dataOf(again)];
    expect(second.images.map((i) => i.input)).toEqual(first.images.map((i) => i.input));
    expect(second.images.every((i) => i.thumbs)).toBe(true);
    expect(second.failed).toEqual(first.failed);
  });

  test('refuses a folder with no manifest, and a report not named .html (exit 2)', () => {
    const empty = runCli(['report', folder.dir, '-o', join(folder.dir, 'x.html')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no gigaquant-manifest\.jsonl here/);
    const named = runCli(['report', join(folder.dir, 'out'), '-o', join(folder.dir, 'x.txt')]);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/x\.txt: a report is an HTML page/);
  });
});
