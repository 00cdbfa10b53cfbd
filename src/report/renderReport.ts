import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './clientScript.js';
import type { ReportModel } from './reportModel.js';

const STYLE = `
:root { color-scheme: dark; --bg: #1b1d21; --fg: #e4e6ea; --muted: #9aa0a8; --line: #33373d; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 18px 0 6px; color: var(--muted); }
.meta { color: var(--muted); margin: 0 0 12px; overflow-wrap: anywhere; }
.totals { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 16px 0; }
.totals div { background: #24272c; padding: 8px 12px; border-radius: 6px; }
.totals dt { color: var(--muted); font-size: 12px; } .totals dd { margin: 0; font-size: 16px; }
table.summary { border-collapse: collapse; width: 100%; }
.summary th, .summary td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
.summary th:first-child, .summary td:first-child { text-align: left; white-space: normal; }
.summary th button { background: none; border: 0; color: var(--fg); font: inherit; font-weight: 600; cursor: pointer; padding: 0; }
.summary th[aria-sort=ascending] button::after { content: ' \\25B2'; }
.summary th[aria-sort=descending] button::after { content: ' \\25BC'; }
.summary tbody tr { cursor: pointer; } .summary tbody tr:hover, .summary tbody tr:focus { background: #262a30; }
.name { display: inline-flex; align-items: center; gap: 8px; overflow-wrap: anywhere; }
.name img { width: 48px; height: 32px; object-fit: contain; background: #111; }
.failed li { margin: 4px 0; } .failed .name { font-weight: 600; margin-right: 8px; } .failed .reason { color: #f0a0a0; }
.pair { display: flex; flex-wrap: wrap; gap: 12px; }
.pair figure, .kgrid figure { margin: 0; } figcaption { color: var(--muted); font-size: 12px; }
.pair img { width: 400px; max-width: 100%; background: #111; }
.swatches { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 4px 12px; }
.swatch { display: flex; align-items: center; gap: 6px; } .chip { width: 22px; height: 16px; border: 1px solid #000; }
.share { color: var(--muted); margin-left: auto; }
canvas.cube { border-radius: 6px; cursor: grab; touch-action: none; }
.curve { width: 100%; max-width: 720px; background: #202328; border-radius: 6px; }
.kgrid { display: flex; flex-wrap: wrap; gap: 10px; } .kgrid img { width: 200px; background: #111; }
.kgrid figure.knee img { outline: 2px solid #e55; }
.overview { position: relative; display: inline-block; line-height: 0; }
.overview img { width: 400px; max-width: 100%; background: #111; }
.overview .mark { position: absolute; box-sizing: border-box; min-width: 6px; min-height: 6px; border: 2px solid #ff4d4d; color: #ff4d4d; font: 600 12px/1 system-ui, sans-serif; padding: 1px 2px; }
.loupe .regions { display: flex; flex-wrap: wrap; gap: 8px 32px; } .region { max-width: 100%; }
.region .crops { display: flex; gap: 10px; overflow-x: auto; padding-bottom: 4px; }
.region figure { margin: 0; flex: none; } .region figure.knee img { outline: 2px solid #e55; }
img.actual { max-width: none; image-rendering: pixelated; background: #111; }
`;

/**
 * The report as one self-contained HTML page: styles, data and script inline, images as data
 * URIs, nothing fetched at view time. The data is JSON in an inert block, with `<` escaped so
 * that no file name can close it; the Content-Security-Policy allows only the page's own script
 * (by hash), inline styles and data: images, so even markup that got in could not run or load.
 */
export function renderReport(model: ReportModel): string {
  const scriptHash = createHash('sha256').update(CLIENT_SCRIPT).digest('base64');
  const csp = [
    "default-src 'none'",
    'img-src data:',
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${scriptHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="report"></main>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

/** JSON that cannot end its <script> block or open a comment: every <, > and & escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
