import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the sources: `import … from 'airstep'` (example and fixture DAGs) resolves to lib/, not dist/.
  ssr: { resolve: { conditions: ['airstep-source', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    // Install of the emulator venv on a clean checkout takes ~30 s.
    hookTimeout: 120_000,
  },
});
