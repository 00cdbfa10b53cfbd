import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The memory tests each take a core for a minute; running files in parallel would make their
    // peak RSS figures meaningless and slow everything else down.
    fileParallelism: false,
  },
});
