import type { TestProject } from 'vitest/node';
import { ensureEmulatorVenv } from '../lib/emulator/venv.ts';
import { ensureDistBuilt } from './build-dist.ts';
import { ensureChromium } from './helpers/chromium.ts';
import { prepareStackFacts } from './iam/stack-facts-file.ts';
import { fingerprintUntracked, treeChanges } from './working-tree-guard.ts';

/**
 * Before any test file starts: the compiled CLI is built from the current sources (tests run `bin/airstep.js`),
 * the pinned emulators are installed once (a clean checkout has no `.venv`), the stack is synthesized for the
 * IAM check of every AWS call the tests make (test/iam), and the Chromium the browser tests drive is found
 * (installed with apt once per machine when missing, see helpers/chromium.ts). After the last test file, the run
 * fails if a test wrote into the working tree (see working-tree-guard.ts).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const [, , stackFacts, chromium] = await Promise.all([
    ensureDistBuilt((line) => console.log(line)),
    ensureEmulatorVenv((line) => console.log(line)),
    prepareStackFacts(),
    ensureChromium((line) => console.log(line)),
  ]);
  project.provide('iamStackFacts', stackFacts);
  project.provide('chromiumExecutable', chromium);
  const root = process.cwd();
  const before = fingerprintUntracked(root);
  return () => {
    const changes = treeChanges(before, fingerprintUntracked(root));
    if (changes.length === 0) return;
    // A throw here is printed but does not change vitest's exit code; the exit code is what CI reads.
    console.error(
      `\nFAIL tests wrote into the working tree ${root} (run each in a temporary folder; if you created these ` +
        `files yourself while the tests ran, run them again):\n  ${changes.join('\n  ')}\n`,
    );
    process.exitCode = 1;
  };
}
