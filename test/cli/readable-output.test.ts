import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

const CLI = resolve('bin/airstep.js');
const FAILING = resolve('test/fixtures/output/failing.ts');
const NATIVE = resolve('test/fixtures/output/native_failing.ts');
const REASON =
  'Error: the warehouse refused the rows: connection reset by peer while writing batch 7 of 12 to table analytics.orders_daily_rollup';

let project: ScratchProject;
beforeAll(async () => {
  project = await scratchProject('readable-output');
});
afterAll(async () => {
  await project?.remove();
});

/** The CLI in the test's project, stdout a pipe (not a terminal), with `env` over the test's environment. */
function airstep(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: project.dir, env: { ...process.env, NO_COLOR: '1', ...env } },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** The grid row of a task: its line, split on the runs of spaces between cells. */
const row = (output: string, task: string) =>
  output
    .split('\n')
    .find((line) => line.startsWith(`${task} `))
    ?.split(/ {2,}/);

describe('readable output of a failed run', () => {
  it('prints a line per state change when not on a terminal, and why each failed task failed in the grid of run and of tasks', async () => {
    const run = await airstep(['run', FAILING, '--date', '2026-11-22']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')).toContain('task     state            tries  start         duration  reason');
    expect(row(run.stdout, 'load')?.slice(1, 3)).toEqual(['failed', '1']);
    expect(row(run.stdout, 'load')?.at(-1)).toBe(REASON);
    // A task that never ran has no reason of its own: upstream_failed says it.
    expect(row(run.stdout, 'publish')).toEqual(['publish', 'upstream_failed', '0', '-', '-']);
    // stdout is a pipe (CI, a log file): a line per task state change, in the order they happened, before the grid.
    const changes = run.stdout.slice(0, run.stdout.indexOf('\n\ntask ')).split('\n').slice(1);
    expect(changes).toEqual([
      '  queued          extract',
      '  running         extract',
      '  success         extract',
      '  queued          load',
      '  running         load',
      `  failed          load: ${REASON}`,
      '  upstream_failed publish',
    ]);

    const tasks = await airstep(['tasks', 'manual__']);
    expect(tasks.code).toBe(0);
    expect(row(tasks.stdout, 'load')?.at(-1)).toBe(REASON);
    expect(tasks.stdout.split('\n')).toContain(`load: ${REASON}`);
  });

  it("logs a thrown error with one 'Error:' prefix and the user's frames only", async () => {
    const logs = await airstep(['logs', 'manual__', 'load']);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(REASON);
    expect(logs.stdout).not.toContain('Error: Error:');
    const frames = lines.slice(1);
    // The task function's own frame stays; the runner's, the worker process's and Node's internals go.
    expect(frames).toEqual([expect.stringContaining(`${FAILING}:`)]);
  });

  it('records a native step’s error as its log and shows it in the grid', async () => {
    // An endpoint where nothing listens: the engine's own S3 call fails (connection refused), as a real one can.
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const run = await airstep(['run', NATIVE, '--date', '2026-11-22'], {
      ...env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    });
    expect(run.code).toBe(1);
    // The AWS SDK (loaded for the S3 call) warns on Node < 22 unless told not to: the CLI tells it.
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
    const reason = row(run.stdout, 'list_exports')?.at(-1);
    expect(reason).toMatch(/^S3\.\S+: .*ECONNREFUSED/);

    const logs = await airstep(['logs', 'manual__', 'list_exports', '--dag', 'native_failing']);
    expect(logs.code).toBe(0);
    expect(logs.stdout.trimEnd().split('\n')[0]).toBe(reason);
  });
});

describe('readable output of a run under --speed', () => {
  const SPED_UP = resolve('test/fixtures/output/sped_up.ts');

  it('records wall-clock times: every task starts and ends within its run', async () => {
    const run = await airstep(['run', SPED_UP, '--date', '2026-11-22', '--speed', '1000', '--json']);
    expect(run.code).toBe(0);
    const { run: record, tasks } = JSON.parse(run.stdout) as {
      run: { startedAt: string; endedAt: string; clockSpeed: number };
      tasks: Array<{ taskId: string; startedAt: string; endedAt: string; durationMs: number }>;
    };
    expect(record.clockSpeed).toBe(1000);
    expect(tasks.map((task) => task.taskId).sort()).toEqual(['after', 'before', 'pause']);
    // The ten-minute wait took a sped-up fraction of the run: on the engine's clock it would end minutes after it.
    const runMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    for (const task of tasks) {
      expect(Date.parse(task.startedAt)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
      expect(Date.parse(task.endedAt)).toBeLessThanOrEqual(Date.parse(record.endedAt));
      expect(task.durationMs).toBeLessThanOrEqual(runMs);
    }
    // In the order they ran: before, the wait, after.
    const byStart = [...tasks].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((task) => task.taskId);
    expect(byStart).toEqual(['before', 'pause', 'after']);
  });

  it('says the waits were sped up under the grid of run and of tasks', async () => {
    const note = 'waits, retry delays and sensor intervals ran ×1000 faster (--speed); times are wall-clock';
    const run = await airstep(['run', SPED_UP, '--date', '2026-11-23', '--speed', '1000']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toContain(note);
    const tasks = await airstep(['tasks', 'manual__2026-11-23', '--dag', 'sped_up']);
    expect(tasks.code).toBe(0);
    expect(tasks.stdout.split('\n')).toContain(note);
  });
});

describe('readable output of a task waiting for a slot', () => {
  const ONE_SLOT = resolve('test/fixtures/output/one_slot.ts');

  it('shows queued as its own state: the task that waited starts when the slot is free, not when it was queued', async () => {
    const run = await airstep(['run', ONE_SLOT, '--date', '2026-11-22', '--json']);
    expect(run.code).toBe(0);
    const { tasks } = JSON.parse(run.stdout) as {
      tasks: Array<{ taskId: string; queuedAt: string; startedAt: string; endedAt: string }>;
    };
    const [first, second] = [...tasks].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    // The second was queued while the first ran, and started only once the first had held the one slot for its
    // 300 ms (1 ms for the ISO times' rounding): its start is not when it was queued.
    expect(Date.parse(second!.queuedAt)).toBeLessThan(Date.parse(first!.endedAt));
    expect(Date.parse(second!.startedAt) - Date.parse(first!.startedAt)).toBeGreaterThanOrEqual(299);
    expect(Date.parse(second!.startedAt)).toBeGreaterThan(Date.parse(second!.queuedAt));

    const lines = (await airstep(['run', ONE_SLOT, '--date', '2026-11-23'])).stdout.split('\n');
    for (const task of ['left', 'right']) {
      const queued = lines.indexOf(`  queued          ${task}`);
      const running = lines.indexOf(`  running         ${task}`);
      expect(queued).toBeGreaterThan(0);
      expect(running).toBeGreaterThan(queued);
    }
  });
});

describe('a conf key the DAG has no param for', () => {
  it('runs (as Airflow accepts extra conf) but warns on stderr, naming the key and the known params', async () => {
    const file = resolve('test/fixtures/output/with_params.ts');
    const run = await airstep(['run', file, '--date', '2026-11-22', '--conf', '{"limt": 5}', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      "warning: dag with_params › conf: 'limt' is not a param of the DAG (its params: limit); it reaches the run unchecked (ctx.conf, and ctx.params as Airflow merges conf into params)",
    );
    // The param kept its default: the misspelt key did not set it.
    const { tasks } = JSON.parse(run.stdout) as { tasks: Array<{ taskId: string; output: unknown }> };
    expect(tasks.find((task) => task.taskId === 'use')?.output).toBe(10);
  });
});
