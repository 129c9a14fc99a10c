import { defineConfig } from 'vitest/config';
export default defineConfig({
  root: '/work/main',
  resolve: { alias: [{ find: /^\.\.\/schedule\/index\.ts$/, replacement: '/tmp/probe/schedule-stub.ts' }] },
  test: { include: ['test/compiler/**/*.test.ts'], testTimeout: 60000 },
});
