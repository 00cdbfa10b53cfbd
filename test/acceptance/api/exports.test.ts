import { expect, test } from 'vitest';

// The built package, through its own name: what a user's `import` sees (npm test builds first).
test('the package root exports the operations, reports, palette files and errors only', async () => {
  const api = await import('gigaquant');
  expect(Object.keys(api).sort()).toEqual([
    'DEFAULTS',
    'ExitCode',
    'GigaquantError',
    'collectBatchReport',
    'compressReport',
    'decompressFile',
    'loadPalette',
    'parseKs',
    'quantizeFile',
    'renderReport',
    'runBatch',
    'savePalette',
    'shutdownRuntime',
    'sweepFile',
    'sweepReport',
    'writeReport',
  ]);
});

test('gigaquant/stages exports the streaming stages', async () => {
  const stages = await import('gigaquant/stages');
  for (const name of [
    'readBands',
    'PaletteFitter',
    'applyPalette',
    'createWriter',
    'NearestColorMatcher',
  ])
    expect(typeof (stages as Record<string, unknown>)[name]).toBe('function');
});
