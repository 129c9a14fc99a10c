import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes `path` so that a reader in another process sees its old content or the new one whole, never a part:
 * the content goes to a file of this writer's own beside it, renamed over `path` in one step. Bundles, DAG sources
 * and the SDK shim live in one folder per installation, written by every process that needs them (workers, dag-sync,
 * `airstep` commands, test files side by side) while others import from it; a plain write truncates the file first.
 */
export async function replaceFile(path: string, content: string): Promise<void> {
  const fresh = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(fresh, content);
    await rename(fresh, path);
  } catch (error) {
    await rm(fresh, { force: true });
    throw error;
  }
}
