// Takes the README's screenshot of a report with Debian's Chromium (apt-get install chromium),
// then quantizes the screenshot itself with gigaquant to keep the PNG small.
// Usage: node examples/screenshot.js <report.html> <out.png> [css selector: that part alone]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [report, out, part] = process.argv.slice(2);
if (!report || !out) throw new Error('usage: node examples/screenshot.js <report.html> <out.png>');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const page = await browser.newPage({
  viewport: { width: 1100, height: 800 },
  deviceScaleFactor: 1,
});
await page.goto(`file://${resolve(report)}`);
await page.waitForSelector('canvas.cube');
// A part (the loupe) is kept as the browser drew it: quantizing it would band the very crops it
// shows; a whole page is quantized by gigaquant to keep the PNG small.
const raw = part ? out : `${out}.raw.png`;
if (part) await (await page.waitForSelector(part)).screenshot({ path: raw });
else await page.screenshot({ path: raw, fullPage: true });
await browser.close();
if (part) process.exit(0);
const cli = new URL('../dist/bin/bin.js', import.meta.url).pathname;
const r = spawnSync(process.execPath, [cli, 'compress', raw, '-k', '128', '-o', out], {
  stdio: 'inherit',
});
rmSync(raw);
process.exitCode = r.status ?? 1;
