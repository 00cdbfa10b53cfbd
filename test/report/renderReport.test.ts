import { describe, expect, test } from 'vitest';
import { escapeHtml, jsonForScript, renderReport } from '../../src/report/renderReport.js';

describe('report HTML', () => {
  test('JSON for a script block cannot close it, open a comment, or break a line', () => {
    const hostile = '</script><script>alert(1)</script><!-- & \u2028';
    const encoded = jsonForScript({ name: hostile });
    expect(encoded).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(encoded)).toEqual({ name: hostile });
  });

  test('the title is escaped, and the only script is the one the CSP hash allows', async () => {
    const { createHash } = await import('node:crypto');
    const html = renderReport({
      title: '<b>"x"</b>',
      generatedAt: 'now',
      software: 'gigaquant',
      images: [],
      failed: [{ input: '</script>', code: 'E_INPUT_CORRUPT', message: '<svg onload=alert(1)>' }],
    });
    expect(html).toContain(`<title>${escapeHtml('<b>"x"</b>')}</title>`);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256')
      .update(scripts[0] as string)
      .digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });
});
