import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Tests must not write into the developer's working tree (a test that runs the CLI in the repository folder fills
 * its `.airstep/` with test runs, and `out/` with leftovers). The test run's global setup takes a fingerprint of
 * everything git does not track, and its teardown fails the run when that changed.
 *
 * Left out: what the test setup itself builds or installs on purpose (the compiled CLI, the emulators' venv,
 * node_modules with its caches), git's own folder, and `test-output/`, where the browser tests write their
 * screenshots on purpose for a reader to look at (gitignored; the walk below does not consult .gitignore, since
 * `.airstep/` and `out/` are ignored too and are exactly what a stray test fills). Tracked files are left out
 * too: a developer may edit them while tests run.
 */
const WRITTEN_ON_PURPOSE = new Set(['.git', 'node_modules', 'dist', '.venv', '.venv.install-lock', 'test-output']);

/** Path → "kind:mtime:size" of every untracked file and every folder under `root` (folders change as entries come and go). */
export type TreeFingerprint = ReadonlyMap<string, string>;

export function fingerprintUntracked(root: string): TreeFingerprint {
  const tracked = trackedFiles(root);
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = relative(root, path);
      if (WRITTEN_ON_PURPOSE.has(name)) continue;
      const stat = lstatSync(path);
      if (entry.isDirectory()) {
        found.set(`${name}/`, `dir:${stat.mtimeMs}`);
        walk(path);
      } else if (!tracked.has(name)) found.set(name, `file:${stat.mtimeMs}:${stat.size}`);
    }
  };
  walk(root);
  return found;
}

/** What changed between two fingerprints, one line per path ("added x", "removed y", "changed z"). */
export function treeChanges(before: TreeFingerprint, after: TreeFingerprint): string[] {
  const changes: string[] = [];
  for (const [path, now] of after) {
    const was = before.get(path);
    if (was === undefined) changes.push(`added ${path}`);
    else if (was !== now) changes.push(`changed ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`removed ${path}`);
  return changes.sort();
}

function trackedFiles(root: string): Set<string> {
  try {
    return new Set(execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0'));
  } catch {
    // Not a git checkout (an unpacked tarball): every file counts as untracked, which is stricter, not looser.
    return new Set();
  }
}
