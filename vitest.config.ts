import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the sources: `import … from 'airstep'` (example and fixture DAGs) resolves to lib/, not dist/.
  ssr: { resolve: { conditions: ['airstep-source', 'node', 'development|production'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Records the AWS calls each role's code makes and checks them against the synthesized template's IAM.
    setupFiles: ['test/iam/record-aws-calls.ts'],
    // A limit catches a hang, never measures speed: CI runs on a loaded machine, where compiling hundreds of random
    // DAGs or starting emulators takes several times what it takes on an idle one.
    testTimeout: 120_000,
    // Install of the emulator venv on a clean checkout takes ~30 s.
    hookTimeout: 120_000,
  },
});
