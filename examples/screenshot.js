// Takes the README's screenshot of a report with Debian's Chromium (apt-get install chromium),
// then quantizes the screenshot itself with gigaquant to keep the PNG small.
// Usage: node examples/screenshot.js <report.html> <out.png>
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [report, out] = process.argv.slice(2);
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
const raw = `${out}.raw.png`;
await page.screenshot({ path: raw, fullPage: true });
await browser.close();
const cli = new URL('../dist/cli/bin.js', import.meta.url).pathname;
const r = spawnSync(process.execPath, [cli, 'compress', raw, '-k', '128', '-o', out], {
  stdio: 'inherit',
});
rmSync(raw);
process.exitCode = r.status ?? 1;
