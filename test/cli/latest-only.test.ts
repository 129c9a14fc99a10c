import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';

const exec = promisify(execFile);
const CLI = resolve('bin/airstep.js');
const DAG = resolve('test/fixtures/local/latest_only.ts');
let cwd: string;
afterAll(async () => {
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
});

/**
 * `airstep backfill` and `airstep run` of a DAG with a latestOnly task: the CLI gives backfill runs their window
 * from the DAG's schedule. The backfilled intervals ended weeks before any day these tests run on, so they are
 * never the latest; a manual run always goes on.
 */
describe('airstep backfill / run with latestOnly', () => {
  it('skips the refresh of backfilled intervals and runs it in a manual run', async () => {
    cwd = await mkdtemp(join(tmpdir(), 'airstep-latest-'));
    const store = new LocalStore(join(cwd, '.airstep'));
    const states = async (runId: string) =>
      Object.fromEntries((await store.tasks('latest_only_daily', runId)).map((task) => [task.taskId, task.state]));
    const env = { ...process.env, NO_COLOR: '1' };

    const backfill = await exec(
      process.execPath,
      [CLI, 'backfill', DAG, '--from', '2026-11-01', '--to', '2026-11-02', '--json'],
      { cwd, env },
    );
    expect(JSON.parse(backfill.stdout).runs.map((run: { state: string }) => run.state)).toEqual(['success', 'success']);
    for (const day of ['01', '02']) {
      expect(await states(`backfill__2026-11-${day}T00:00:00+00:00`)).toEqual({
        latest_only: 'success',
        refresh: 'skipped',
        archive: 'success',
        publish: 'skipped',
      });
    }

    const manual = await exec(process.execPath, [CLI, 'run', DAG, '--date', '2026-11-02T06:00:00Z', '--json'], {
      cwd,
      env,
    });
    expect(JSON.parse(manual.stdout)).toMatchObject({ run: { state: 'success', runType: 'manual' } });
    expect(await states('manual__2026-11-02T06:00:00+00:00')).toEqual({
      latest_only: 'success',
      refresh: 'success',
      archive: 'success',
      publish: 'success',
    });
  });
});
