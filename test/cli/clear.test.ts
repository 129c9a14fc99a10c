import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

const DAG = resolve('test/fixtures/local/clear_counting.ts');
const RUN = 'manual__2026-11-22T00:00:00+00:00';
const OTHER = 'manual__2026-11-23T00:00:00+00:00';

interface TaskRecord {
  taskId: string;
  mapIndex: number;
  state: string;
  tries: number;
  startedAt?: string;
  output?: unknown;
}

let project: ScratchProject;
let cwd: string;
/** Runs the CLI in the test's project (its own `.airstep`, its own `executions.log`). */
const airstep = (...args: string[]) => project.airstep(...args);

/** How many times each task instance's code ran (the fixture appends one line per run). */
async function executions(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await readFile(join(cwd, 'executions.log'), 'utf8')).split('\n').filter(Boolean)) {
    counts[line] = (counts[line] ?? 0) + 1;
  }
  return counts;
}

const byKey = (tasks: TaskRecord[]) =>
  Object.fromEntries(
    tasks.map((task) => [task.mapIndex >= 0 ? `${task.taskId}[${task.mapIndex}]` : task.taskId, task]),
  );

beforeAll(async () => {
  project = await scratchProject('clear-cli');
  cwd = project.dir;
  await writeFile(join(cwd, 'broken'), '');
  await writeFile(join(cwd, 'broken-item'), '');
  // Two failed runs: `transform` (after its retry) and item 1 of `each` fail.
  const runs = await Promise.all([
    airstep('run', DAG, '--date', '2026-11-22', '--json'),
    airstep('run', DAG, '--date', '2026-11-23', '--json'),
  ]);
  expect(runs.map((run) => run.code)).toEqual([1, 1]);
  await rm(join(cwd, 'broken'));
  await rm(join(cwd, 'broken-item'));
}, 300_000);

afterAll(async () => {
  await project?.remove();
});

describe('Command: airstep clear (local store)', () => {
  it('refuses bad input with exit 2 and changes nothing', async () => {
    const before = await project.storeFiles();
    // A run still running: a copy of a run whose engine process (this test's) is alive.
    const running = join(cwd, '.airstep/runs/clear_counting/manual__2026-11-24T00_00_00_00_00');
    const record = JSON.parse(
      await readFile(
        join(cwd, `.airstep/runs/clear_counting/${RUN.replace(/[^A-Za-z0-9_.-]/g, '_')}/run.json`),
        'utf8',
      ),
    );
    await mkdir(running, { recursive: true });
    await writeFile(
      join(running, 'run.json'),
      JSON.stringify({ ...record, runId: 'manual__2026-11-24T00:00:00+00:00', state: 'running', pid: process.pid }),
    );
    const withRunning = await project.storeFiles();

    const [unknownRun, unknownTask, ambiguous, stillRunning, badRegex, cloud] = await Promise.all([
      airstep('clear', 'nope'),
      airstep('clear', RUN, '--task', '^nope$'),
      airstep('clear', 'manual__2026-11-2'),
      airstep('clear', 'manual__2026-11-24T00:00:00+00:00'),
      airstep('clear', RUN, '--task', '('),
      airstep('clear', RUN, '--outputs', 'no-such-file.json'),
    ]);
    expect(unknownRun).toMatchObject({ code: 2, stderr: "no run 'nope' of .airstep (see airstep runs)\n" });
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toContain('clear_counting.ts › dag clear_counting: --task /^nope$/ matches no task');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("'manual__2026-11-2' matches 3 runs");
    expect(stillRunning.code).toBe(2);
    expect(stillRunning.stderr).toContain('is still running: clear an ended run');
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toContain('--task: Invalid regular expression');
    expect(cloud.code).toBe(2);
    // The deployed side reads the stack's outputs first (test/lambdas/cloud-clear.test.ts clears on moto).
    expect(cloud.stderr).toContain('--outputs no-such-file.json: no such file');

    expect(await project.storeFiles()).toEqual(withRunning);
    await rm(running, { recursive: true });
    expect(await project.storeFiles()).toEqual(before);
  });

  it('--dry-run shows what would be cleared and kept and runs nothing', async () => {
    const before = await executions();
    const dry = await airstep('clear', RUN, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      cleared: ['collect', 'each', 'each[1]', 'load', 'transform'],
      kept: ['each[0]', 'each[2]', 'extract', 'list', 'side'],
    });
    expect(await executions()).toEqual(before);
  });

  it('re-runs only the failed instances and their downstream; kept ones keep their records and do not run again', async () => {
    const before = await airstep('tasks', RUN, '--json');
    const old = byKey(JSON.parse(before.stdout).tasks);
    const cleared = await airstep('clear', RUN, '--json');
    expect(cleared.code).toBe(0);
    const result = JSON.parse(cleared.stdout) as { run: { state: string; clears: number }; tasks: TaskRecord[] };
    expect(result.run).toMatchObject({ state: 'success', clears: 1 });
    const tasks = byKey(result.tasks);
    // Kept: the very records of the first execution (same start, tries and output).
    for (const key of ['extract', 'side', 'list', 'each[0]', 'each[2]']) expect(tasks[key]).toEqual(old[key]);
    // Cleared: try numbers go on after the tries of the failed execution; outputs come from kept upstream results.
    expect(tasks.transform).toMatchObject({ state: 'success', tries: 3, output: 6 });
    expect(tasks.load).toMatchObject({ state: 'success', tries: 1, output: { loaded: 7, try: 1 } });
    expect(tasks['each[1]']).toMatchObject({ state: 'success', tries: 2, output: 20 });
    expect(tasks.collect).toMatchObject({ state: 'success', output: [10, 20, 30] });
    // Two failed runs ran every task once (transform twice: its retry); the clear ran only what it cleared.
    expect(await executions()).toEqual({
      extract: 2,
      side: 2,
      list: 2,
      'each[0]': 2,
      'each[1]': 3,
      'each[2]': 2,
      transform: 5,
      load: 1,
      collect: 1,
    });
    const shown = await airstep('tasks', RUN, '--json');
    expect(byKey(JSON.parse(shown.stdout).tasks)).toEqual(tasks);
  });

  it('--task with --downstream re-runs the chosen task and everything after it, whatever their state', async () => {
    const before = await executions();
    const cleared = await airstep('clear', RUN, '--task', '^extract$', '--downstream', '--json');
    expect(cleared.code).toBe(0);
    const result = JSON.parse(cleared.stdout) as { cleared: string[]; run: { clears: number }; tasks: TaskRecord[] };
    expect(result.cleared).toEqual(['extract', 'load', 'transform']);
    expect(result.run.clears).toBe(2);
    expect(byKey(result.tasks)).toMatchObject({
      extract: { state: 'success', tries: 2 },
      transform: { state: 'success', tries: 4 },
      load: { state: 'success', tries: 2, output: { loaded: 7, try: 2 } },
    });
    const after = await executions();
    const ran = Object.fromEntries(
      Object.keys(after)
        .filter((key) => after[key] !== before[key])
        .map((key) => [key, after[key]! - (before[key] ?? 0)]),
    );
    expect(ran).toEqual({ extract: 1, transform: 1, load: 1 });
  });

  it('--task alone keeps a failed instance it did not choose: it stays failed and the run ends failed (exit 1)', async () => {
    const before = await executions();
    const cleared = await airstep('clear', OTHER, '--task', '^transform$', '--json');
    expect(cleared.code).toBe(1);
    const tasks = byKey((JSON.parse(cleared.stdout) as { tasks: TaskRecord[] }).tasks);
    expect(tasks.transform).toMatchObject({ state: 'success', tries: 3 });
    expect(tasks['each[1]']).toMatchObject({ state: 'failed', tries: 1 });
    expect(tasks.collect).toMatchObject({ state: 'upstream_failed' });
    const after = await executions();
    expect(after['each[1]']).toBe(before['each[1]']);
    expect(after.transform).toBe(before.transform! + 1);

    // --failed then clears the one failed instance left (and what was left upstream_failed after it runs again).
    const again = await airstep('clear', OTHER, '--failed', '--json');
    expect(again.code).toBe(0);
    const last = byKey((JSON.parse(again.stdout) as { tasks: TaskRecord[] }).tasks);
    expect(last['each[1]']).toMatchObject({ state: 'success', tries: 2 });
    expect(last.transform).toMatchObject({ state: 'success', tries: 3 });
    expect((await executions()).transform).toBe(after.transform);
  });
});
