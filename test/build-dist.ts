import { execFile } from 'node:child_process';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildWeb } from '../bin/build-web.ts';

/** Written after each build that the tests started: the build is as new as this file. */
const STAMP = join('dist', '.test-build-stamp');
const INPUTS = ['lib', 'bin/airstep.ts', 'bin/build-web.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * Tests import the sources, but the ones that start `node bin/airstep.js` run the compiled CLI: it is rebuilt
 * (`npm run build`: tsc, incremental, then the UI's page) when a source is newer than the last build, so no test runs a stale `dist/`.
 */
export async function ensureDistBuilt(log: (line: string) => void): Promise<void> {
  const built = await stat(STAMP).then(
    (info) => info.mtimeMs,
    () => -1,
  );
  if (built >= 0 && (await newestMtime(INPUTS)) <= built) return;
  log('building dist/ for the tests that run bin/airstep.js (npm run build)');
  const startedAt = Date.now();
  await promisify(execFile)(process.execPath, [
    join('node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  // The UI's page (`airstep ui` serves dist/web), as `npm run build` bundles it after tsc.
  await buildWeb();
  // The stamp's time is when the build began: a file saved during the build is newer, so the next run rebuilds.
  await writeFile(STAMP, '');
  await utimes(STAMP, startedAt / 1000, startedAt / 1000);
}

async function newestMtime(paths: readonly string[]): Promise<number> {
  let newest = 0;
  for (const path of paths) {
    const info = await stat(path);
    if (!info.isDirectory()) {
      newest = Math.max(newest, info.mtimeMs);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true, recursive: true });
    for (const entry of entries) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}
