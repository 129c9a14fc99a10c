import type { TestProject } from 'vitest/node';
import { ensureEmulatorVenv } from '../lib/emulator/venv.ts';
import { ensureDistBuilt } from './build-dist.ts';
import { prepareStackFacts } from './iam/stack-facts-file.ts';

/**
 * Before any test file starts: the compiled CLI is built from the current sources (tests run `bin/airstep.js`),
 * the pinned emulators are installed once (a clean checkout has no `.venv`), and the stack is synthesized for the
 * IAM check of every AWS call the tests make (test/iam).
 */
export default async function setup(project: TestProject): Promise<void> {
  const [, , stackFacts] = await Promise.all([
    ensureDistBuilt((line) => console.log(line)),
    ensureEmulatorVenv((line) => console.log(line)),
    prepareStackFacts(),
  ]);
  project.provide('iamStackFacts', stackFacts);
}
