import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    // Install of the emulator venv on a clean checkout takes ~30 s.
    hookTimeout: 120_000,
  },
});
