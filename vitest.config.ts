import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` runs from the TypeScript sources and takes well under a minute
 * (`npm run test:unit`). `acceptance` runs the build as a user would (the CLI, worker threads,
 * the package's own exports), with Debian's tools as independent judges; its files run one at a
 * time, because the memory tests each take a core and their peak RSS figures must not be
 * disturbed. `npm test` builds and runs both, as CI does.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/acceptance/**'] },
      },
      {
        extends: true,
        test: {
          name: 'acceptance',
          include: ['test/acceptance/**/*.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
