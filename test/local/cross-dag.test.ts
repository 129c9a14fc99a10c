import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * Cross-DAG steps in the local engine, through `airstep run` as a person runs them: the external-task sensor
 * reads the other DAG's runs from the project's local store (the same GetItem / Query the state machine makes,
 * answered by the store), and a `triggerDag` step is refused before the run, naming the task.
 */
const LOAD = resolve('test/fixtures/local/cross_dag_load.ts');
const REPORT = resolve('test/fixtures/local/cross_dag_report.ts');
const TRIGGER = resolve('test/fixtures/local/cross_dag_trigger.ts');
const EXAMPLE = resolve('dags/examples/cross_dag.ts');

interface RunJson {
  run: { state: string; runId: string };
  tasks: Array<{ taskId: string; state: string; output?: unknown; error?: string; errorMessage?: string }>;
}
let project: ScratchProject;

const runJson = (stdout: string) => JSON.parse(stdout) as RunJson;
const states = (run: RunJson) => Object.fromEntries(run.tasks.map((task) => [task.taskId, task.state]));

beforeAll(async () => {
  project = await scratchProject('cross-dag');
});
afterAll(async () => {
  await project?.remove();
});

describe('Local engine: externalTaskSensor', () => {
  it("succeeds once the other DAG's run of the same logical date and its task succeeded", async () => {
    const load = await project.airstep('run', LOAD, '--date', '2026-11-22', '--json');
    expect(load.code).toBe(0);
    expect(runJson(load.stdout).run.runId).toBe('manual__2026-11-22T00:00:00+00:00');

    const report = await project.airstep('run', REPORT, '--date', '2026-11-22', '--json');

    expect(report.code, report.stderr).toBe(0);
    const run = runJson(report.stdout);
    expect(states(run)).toEqual({ wait_load_run: 'success', wait_rows: 'success', report: 'success' });
  }, 180_000);

  it("fails at once on the other DAG's failed task, and times out where that DAG has no run of the date", async () => {
    await writeFile(join(project.dir, 'broken'), '');
    const load = await project.airstep('run', LOAD, '--date', '2026-11-23', '--json');
    await rm(join(project.dir, 'broken'));
    expect(load.code).toBe(1);

    const failed = runJson((await project.airstep('run', REPORT, '--date', '2026-11-23', '--json')).stdout);
    expect(states(failed)).toMatchObject({ wait_rows: 'failed', report: 'upstream_failed' });
    expect(failed.tasks.find((task) => task.taskId === 'wait_rows')?.error).toBe('ExternalStateFailed');
    // The run ended `failed` and Airflow's default failedStates is empty: the run-level sensor waits it out.
    expect(states(failed).wait_load_run).toBe('failed');
    expect(failed.tasks.find((task) => task.taskId === 'wait_load_run')?.error).toBe('SensorTimeout');

    const none = runJson((await project.airstep('run', REPORT, '--date', '2026-11-24', '--json')).stdout);
    expect(states(none)).toMatchObject({ wait_load_run: 'failed', wait_rows: 'failed' });
  }, 180_000);
});

describe('Local engine: triggerDag', () => {
  it('is refused before the run, naming the task and what to do instead', async () => {
    const result = await project.airstep('run', TRIGGER, '--date', '2026-11-22');

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cross_parent');
    expect(result.stderr).toContain('start_load');
    expect(result.stderr).toContain(
      "triggerDag starts a run of another deployed DAG ('cross_load'), which the local engine cannot do",
    );
    expect(await project.store.runs('cross_parent')).toEqual([]);
  }, 120_000);
});

describe('Example dags/examples/cross_dag.ts in the local engine', () => {
  it("runs orders, then report's sensor finds load_orders of the same date; publish runs with conf; the trigger step is refused", async () => {
    const orders = await project.airstep('run', EXAMPLE, '--dag', 'cross_dag_orders', '--date', '2026-11-22', '--json');
    expect(orders.code, orders.stderr).toBe(0);

    const report = await project.airstep(
      'run',
      EXAMPLE,
      '--dag',
      'cross_dag_report',
      '--date',
      '2026-11-22',
      '--task-regex',
      '^(wait_for_orders|build_report)$',
      '--json',
    );
    expect(report.code, report.stderr).toBe(0);
    const run = runJson(report.stdout);
    expect(states(run)).toEqual({ wait_for_orders: 'success', build_report: 'success' });
    expect(run.tasks.find((task) => task.taskId === 'wait_for_orders')?.output).toEqual({
      runId: 'manual__2026-11-22T00:00:00+00:00',
      state: 'success',
    });

    const publish = await project.airstep(
      'run',
      EXAMPLE,
      '--dag',
      'cross_dag_publish',
      '--conf',
      '{"report":"daily","day":"2026-11-22"}',
      '--json',
    );
    expect(publish.code, publish.stderr).toBe(0);
    expect(runJson(publish.stdout).tasks[0]?.output).toBe('published daily for 2026-11-22');

    const whole = await project.airstep('run', EXAMPLE, '--dag', 'cross_dag_report', '--date', '2026-11-23');
    expect(whole.code).not.toBe(0);
    expect(whole.stderr).toContain('publish_report');
  }, 240_000);
});
