import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AirstepError } from '../errors/airstep-error.ts';

/**
 * One engine process per run id at a time: `<run folder>/run.lock` holds the pid of the process running it. The
 * lock is made whole under a temporary name and linked into place (a link fails when the name exists), so two
 * processes can never both take a free lock, and a reader never sees an empty one. A lock whose process is gone
 * (`kill -9`, a crash) is stale: the next claimant moves it aside (only one rename of it succeeds) and takes its
 * place.
 */
export class RunLockedError extends AirstepError {
  override readonly name = 'RunLockedError';

  constructor(
    readonly dagId: string,
    readonly runId: string,
    readonly pid: number,
  ) {
    super(`run ${runId} of ${dagId} is running in process ${pid}; wait for it to end, or stop that process`, {
      code: 'RUN_LOCKED',
    });
  }
}

export interface RunLock {
  /** Gives the lock up (only if it is still this process's). */
  release(): Promise<void>;
}

/** Run folders this process holds a lock in: a lock with this process's pid that is not here is a stale one. */
const held = new Set<string>();

/** Takes the run's lock, or throws `RunLockedError` naming the live process that holds it. */
export async function lockRun(runDir: string, run: { dagId: string; runId: string }): Promise<RunLock> {
  const path = join(runDir, 'run.lock');
  if (held.has(path)) throw new RunLockedError(run.dagId, run.runId, process.pid);
  await mkdir(runDir, { recursive: true });
  const mine = `${path}.${process.pid}.tmp`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    // Each pass either takes the lock, finds a live holder, or moves a stale lock aside; three is plenty.
    for (let pass = 0; pass < 3; pass++) {
      try {
        await link(mine, path);
        held.add(path);
        return { release: () => release(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await holderOf(path);
      if (holder !== undefined && isLive(holder)) throw new RunLockedError(run.dagId, run.runId, holder);
      const aside = `${path}.${process.pid}.stale`;
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      // Another claimant may have replaced the stale lock between the read and the rename: put a live one back.
      const moved = await holderOf(aside);
      if (moved !== holder && moved !== undefined && isLive(moved)) {
        await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
        throw new RunLockedError(run.dagId, run.runId, moved);
      }
      await rm(aside, { force: true });
    }
    throw new RunLockedError(run.dagId, run.runId, (await holderOf(path)) ?? -1);
  } finally {
    await rm(mine, { force: true });
  }
}

async function release(path: string): Promise<void> {
  held.delete(path);
  if ((await holderOf(path)) === process.pid) await rm(path, { force: true });
}

/** The live process holding the run's lock (another process than this one), if any: `airstep runs` says who. */
export async function runLockHolder(runDir: string): Promise<number | undefined> {
  const holder = await holderOf(join(runDir, 'run.lock'));
  return holder !== undefined && isLive(holder) ? holder : undefined;
}

/** The pid in a lock file; undefined when there is none or it is not a pid (a lock someone broke). */
async function holderOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's process is alive and holds it: this process holds only the locks it took (a lock with its
 * pid left by an earlier process that had the same pid, as in a restarted container, is stale).
 */
function isLive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
