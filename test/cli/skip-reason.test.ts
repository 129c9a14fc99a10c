import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const CLI = resolve('bin/airstep.js');
const DAG = resolve('test/fixtures/local/skipping.ts');
let cwd: string | undefined;
afterAll(async () => {
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
});

/** Runs the CLI in a working directory (its own `.airstep`); resolves with the exit code and output. */
async function airstep(dir: string, ...args: string[]) {
  try {
    const { stdout } = await exec(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('airstep run / tasks: a task that skipped itself', () => {
  it('gives the reason of each SkipError in run --json and in tasks', async () => {
    cwd = await mkdtemp(join(tmpdir(), 'airstep-skip-cli-'));
    const run = await airstep(cwd, 'run', DAG, '--date', '2026-11-22', '--json');
    expect(run.code).toBe(0);
    const { tasks: recorded } = JSON.parse(run.stdout) as {
      tasks: Array<{ taskId: string; mapIndex: number; state: string; reason?: string }>;
    };
    const reasons = recorded
      .filter((task) => task.reason !== undefined)
      .sort((a, b) => a.taskId.localeCompare(b.taskId) || a.mapIndex - b.mapIndex);
    expect(reasons).toEqual([
      expect.objectContaining({
        taskId: 'check',
        mapIndex: -1,
        state: 'skipped',
        reason: 'no new files for 2026-11-22',
      }),
      expect.objectContaining({ taskId: 'each', mapIndex: 1, state: 'skipped', reason: 'item 2 is empty' }),
    ]);

    const tasks = await airstep(cwd, 'tasks', 'manual__');
    expect(tasks.code).toBe(0);
    const lines = tasks.stdout.split('\n');
    expect(lines).toContain('check: skipped: no new files for 2026-11-22');
    expect(lines).toContain('each[1]: skipped: item 2 is empty');
  });
});
