import { ensureEmulatorVenv } from '../lib/emulator/venv.ts';
import { ensureDistBuilt } from './build-dist.ts';

/**
 * Before any test file starts: the compiled CLI is built from the current sources (tests run `bin/airstep.js`),
 * and the pinned emulators are installed once (a clean checkout has no `.venv`).
 */
export default async function setup(): Promise<void> {
  await Promise.all([ensureDistBuilt((line) => console.log(line)), ensureEmulatorVenv((line) => console.log(line))]);
}
