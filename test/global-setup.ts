import { ensureEmulatorVenv } from '../lib/emulator/venv.ts';

/** Installs the pinned emulators once, before any test file starts one (a clean checkout has no `.venv`). */
export default async function setup(): Promise<void> {
  await ensureEmulatorVenv((line) => console.log(line));
}
