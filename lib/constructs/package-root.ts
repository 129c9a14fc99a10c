import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The airstep package's folder (the one holding `lambdas/` and `package-lock.json`), found above this module:
 * `lib/constructs/` in the sources, `dist/lib/constructs/` when compiled.
 */
export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(from: string): string {
  for (let folder = from; dirname(folder) !== folder; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json')) && existsSync(join(folder, 'lambdas'))) return folder;
  }
  return join(from, '..', '..');
}
