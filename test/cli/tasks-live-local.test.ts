import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const CLI = resolve('bin/airstep.js');
const DAG = resolve('test/fixtures/local/live_hold.ts');
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'airstep-tasks-live-'));
});
afterAll(async () => {
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
});

const env = () => ({ ...process.env, NO_COLOR: '1', LIVE_HOLD_FILE: join(cwd, 'release') });

async function tasksJson(): Promise<
  { run: { state: string }; tasks: Array<{ taskId: string; state: string }> } | undefined
> {
  try {
    const { stdout } = await exec(process.execPath, [CLI, 'tasks', 'manual__', '--json'], { cwd, env: env() });
    return JSON.parse(stdout);
  } catch {
    return undefined; // the run is not in the store yet
  }
}

describe('airstep tasks on a running local run', () => {
  it('shows the live states while the run runs, then the ended grid', async () => {
    const run = exec(process.execPath, [CLI, 'run', DAG, '--json'], { cwd, env: env() });
    // Waits for the condition (hold running), never for a duration; the deadline only stops a hang.
    const deadline = Date.now() + 120_000;
    let seen: Awaited<ReturnType<typeof tasksJson>>;
    while (Date.now() < deadline) {
      seen = await tasksJson();
      if (seen?.tasks.some((task) => task.taskId === 'hold' && task.state === 'running')) break;
    }
    expect(seen?.run.state).toBe('running');
    expect(Object.fromEntries(seen!.tasks.map((task) => [task.taskId, task.state]))).toMatchObject({
      first: 'success',
      hold: 'running',
    });
    await writeFile(join(cwd, 'release'), '');
    await run;
    const ended = await tasksJson();
    expect(ended?.run.state).toBe('success');
    expect(Object.fromEntries(ended!.tasks.map((task) => [task.taskId, task.state]))).toEqual({
      first: 'success',
      hold: 'success',
      after: 'success',
    });
  });
});
