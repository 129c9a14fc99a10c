import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockRun, RunLockedError } from '../../lib/local/run-lock.ts';

const RUN = { dagId: 'etl', runId: 'manual__2026-11-22T00:00:00+00:00' };
let dir: string;
const lockFile = () => join(dir, 'run.lock');
/** The pid of a process that has ended. */
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'airstep-run-lock-')), 'run');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('Function: lockRun', () => {
  it('takes a free lock with this process’s pid, leaves no temporary file, and gives it up on release', async () => {
    const lock = await lockRun(dir, RUN);
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    expect(await readdir(dir)).toEqual(['run.lock']);
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a lock a live process holds, naming its pid, and leaves it as it was', async () => {
    // The parent of this test process: alive, and not this process.
    await mkdir(dir, { recursive: true });
    await writeFile(lockFile(), `${process.ppid}\n`);
    const refused = await lockRun(dir, RUN).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RunLockedError);
    expect((refused as RunLockedError).pid).toBe(process.ppid);
    expect((refused as Error).message).toBe(
      `run ${RUN.runId} of etl is running in process ${process.ppid}; wait for it to end, or stop that process`,
    );
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
    expect(await readdir(dir)).toEqual(['run.lock']);
  });

  it('refuses a second lock of the same run in this process', async () => {
    const lock = await lockRun(dir, RUN);
    await expect(lockRun(dir, RUN)).rejects.toBeInstanceOf(RunLockedError);
    await lock.release();
    const again = await lockRun(dir, RUN);
    await again.release();
  });

  it.each([
    ['a process that is gone', () => `${deadPid()}\n`],
    ['this pid, left by an earlier process (a restarted container)', () => `${process.pid}\n`],
    ['no pid at all (a lock someone emptied)', () => ''],
  ])('takes over a stale lock: %s', async (_case, content) => {
    await mkdir(dir, { recursive: true });
    await writeFile(lockFile(), content());
    const lock = await lockRun(dir, RUN);
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    expect(await readdir(dir)).toEqual(['run.lock']);
    await lock.release();
  });

  it('release leaves a lock another process took since alone', async () => {
    const lock = await lockRun(dir, RUN);
    await writeFile(lockFile(), `${process.ppid}\n`);
    await lock.release();
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
  });
});
