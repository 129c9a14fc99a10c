import { spawn } from 'node:child_process';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * Cross-DAG steps in the local engine, through `airstep run` as a person runs them: the external-task sensor
 * reads the other DAG's runs from the project's local store (the same GetItem / Query the state machine makes,
 * answered by the store), and a `triggerDag` step starts the target's run in the same process (found among the
 * project's DAG files) with the cloud trigger's admission, and waits for it reading the store.
 */
const LOAD = resolve('test/fixtures/local/cross_dag_load.ts');
const REPORT = resolve('test/fixtures/local/cross_dag_report.ts');
const TRIGGER = resolve('test/fixtures/local/cross_dag_trigger.ts');
const EXAMPLE = resolve('dags/examples/cross_dag.ts');
const HOLD = resolve('test/fixtures/local/cross_dag_hold.ts');
const HOLD_WATCH = resolve('test/fixtures/local/cross_dag_hold_watch.ts');

interface RunJson {
  run: { state: string; runId: string };
  tasks: Array<{
    taskId: string;
    state: string;
    tries?: number;
    output?: unknown;
    error?: string;
    errorMessage?: string;
  }>;
}
let project: ScratchProject;
/** A project whose dags/ holds cross_child.ts, the DAG the trigger fixture's steps start. */
let trigger: ScratchProject;

const runJson = (stdout: string) => JSON.parse(stdout) as RunJson;
const states = (run: RunJson) => Object.fromEntries(run.tasks.map((task) => [task.taskId, task.state]));

beforeAll(async () => {
  project = await scratchProject('cross-dag');
  trigger = await scratchProject('cross-dag-trigger');
  await symlink(resolve('test/fixtures/local/trigger-project/dags'), join(trigger.dir, 'dags'));
});
afterAll(async () => {
  await project?.remove();
  await trigger?.remove();
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

describe('Local engine: records of tasks no worker runs', () => {
  it("are in the store as they end: a sensor on another DAG's empty task succeeds while that run still runs", async () => {
    const hold = spawn(process.execPath, [resolve('bin/airstep.js'), 'run', HOLD, '--date', '2026-11-25'], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const ended = new Promise<number | null>((done) => hold.once('exit', done));
    try {
      const runId = 'manual__2026-11-25T00:00:00+00:00';
      // The run is under way once its worker task runs (it goes on until the file `release` exists).
      const deadline = Date.now() + 90_000;
      while (
        !(await project.store.tasks('cross_hold', runId)).some((t) => t.taskId === 'hold' && t.state === 'running')
      ) {
        if (Date.now() > deadline) throw new Error('timed out waiting for cross_hold to run its task hold');
        await new Promise((done) => setTimeout(done, 100));
      }

      const watch = await project.airstep('run', HOLD_WATCH, '--date', '2026-11-25', '--json');

      expect(watch.code, watch.stderr).toBe(0);
      expect(states(runJson(watch.stdout))).toEqual({ wait_mark: 'success' });
      // The upstream run had not ended: it waits for the file the test writes only now.
      const upstream = (await project.store.runs('cross_hold')).find((run) => run.runId === runId);
      expect(upstream?.state).toBe('running');
      await writeFile(join(project.dir, 'release'), '');
      expect(await ended).toBe(0);
      expect((await project.store.runs('cross_hold')).find((run) => run.runId === runId)?.state).toBe('success');
    } finally {
      hold.kill('SIGKILL');
      await rm(join(project.dir, 'release'), { force: true });
    }
  }, 240_000);
});

describe('Local engine: triggerDag', () => {
  const CHILD_RUN = 'triggered__cross_parent.start_child__manual__2026-11-22T00:00:00+00:00';

  it("starts the target's run with the step's conf and logical date, runs it to its end and waits for it", async () => {
    const result = await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent', '--date', '2026-11-22', '--json');

    expect(result.code, result.stderr).toBe(0);
    const run = runJson(result.stdout);
    expect(states(run)).toEqual({ prepare: 'success', start_child: 'success' });
    expect(run.tasks.find((task) => task.taskId === 'start_child')?.output).toEqual({
      dagId: 'cross_child',
      runId: CHILD_RUN,
      state: 'success',
    });
    const [child] = await trigger.store.runs('cross_child');
    expect(child).toMatchObject({
      runId: CHILD_RUN,
      runType: 'manual',
      state: 'success',
      logicalDate: '2026-11-22T00:00:00+00:00',
      conf: { day: '2026-11-22', rows: 3 },
      file: 'dags/cross_child.ts',
    });
    expect((await trigger.store.tasks('cross_child', CHILD_RUN))[0]?.output).toBe('2026-11-22:3 (manual)');
  }, 180_000);

  it('a cleared trigger step finds the run it started (same run id) and starts no second one', async () => {
    const before = await trigger.store.runs('cross_child');
    expect(before.map((run) => run.runId)).toEqual([CHILD_RUN]);

    const cleared = await trigger.airstep(
      'clear',
      'manual__2026-11-22T00:00:00+00:00',
      '--dag',
      'cross_parent',
      '--task',
      'start_child',
      '--json',
    );

    expect(cleared.code, cleared.stderr).toBe(0);
    expect(states(runJson(cleared.stdout))).toEqual({ prepare: 'success', start_child: 'success' });
    expect(await trigger.store.runs('cross_child')).toEqual(before);
  }, 180_000);

  it("fails the step with the target run's failed state (failedStates), and says so in the step's log", async () => {
    await writeFile(join(trigger.dir, 'broken'), '');
    const result = await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent', '--date', '2026-11-23', '--json');
    await rm(join(trigger.dir, 'broken'));

    expect(result.code).toBe(1);
    const step = runJson(result.stdout).tasks.find((task) => task.taskId === 'start_child');
    expect(step).toMatchObject({ state: 'failed', error: 'ExternalStateFailed' });
    expect(step?.errorMessage).toContain('cross_child is failed');
    const child = (await trigger.store.runs('cross_child')).find((run) => run.runId.includes('2026-11-23'));
    expect(child?.state).toBe('failed');
  }, 180_000);

  it('fails the step with TriggerRefused, not retried, for an unknown DAG (saying where it looked) and for conf its params refuse', async () => {
    const unknown = runJson(
      (await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent_unknown', '--date', '2026-11-22', '--json')).stdout,
    ).tasks[0];
    const badConf = runJson(
      (await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent_bad_conf', '--date', '2026-11-22', '--json'))
        .stdout,
    ).tasks[0];

    expect(unknown).toMatchObject({ taskId: 'start_nowhere', state: 'failed', error: 'TriggerRefused' });
    expect(unknown?.errorMessage).toContain('UNKNOWN_DAG');
    // The triggering file (outside this project: shown absolute), then the project's dags/.
    expect(unknown?.errorMessage).toContain(
      `no DAG 'cross_nowhere' in ${TRIGGER} or the DAG files under dags/ (2 file(s) looked at`,
    );
    expect(badConf).toMatchObject({ taskId: 'start_child', state: 'failed', error: 'TriggerRefused', tries: 1 });
    expect(badConf?.errorMessage).toContain('INVALID_CONF');
    expect(badConf?.errorMessage).toContain('dag cross_child › params.rows');
    expect((await trigger.store.runs('cross_child')).filter((run) => run.conf.rows === 'many')).toEqual([]);
  }, 180_000);

  it("names the run with the step's runId and ends success on any state of allowedStates (a failed run here)", async () => {
    await writeFile(join(trigger.dir, 'broken'), '');
    const result = await trigger.airstep(
      'run',
      TRIGGER,
      '--dag',
      'cross_parent_own_id',
      '--date',
      '2026-11-25',
      '--json',
    );
    await rm(join(trigger.dir, 'broken'));

    expect(result.code, result.stderr).toBe(0);
    expect(runJson(result.stdout).tasks[0]).toMatchObject({
      state: 'success',
      output: { dagId: 'cross_child', runId: 'child_for_2026-11-25', state: 'failed' },
    });
    const child = (await trigger.store.runs('cross_child')).find((run) => run.runId === 'child_for_2026-11-25');
    expect(child).toMatchObject({ state: 'failed', conf: { rows: 5 } });
  }, 180_000);

  it('runs under airstep backfill: each interval starts and waits for its own run of the target', async () => {
    const result = await trigger.airstep(
      'backfill',
      TRIGGER,
      '--dag',
      'cross_parent_daily',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-02',
      '--json',
    );

    expect(result.code, result.stderr).toBe(0);
    const children = (await trigger.store.runs('cross_child'))
      .filter((run) => run.runId.startsWith('triggered__cross_parent_daily.'))
      .map((run) => [run.runId, run.state, run.conf.day]);
    expect(children.sort()).toEqual([
      ['triggered__cross_parent_daily.start_child__backfill__2026-11-01T00:00:00+00:00', 'success', '2026-11-01'],
      ['triggered__cross_parent_daily.start_child__backfill__2026-11-02T00:00:00+00:00', 'success', '2026-11-02'],
    ]);
  }, 180_000);

  it('runs under airstep dev: the scheduled run starts its target, which dev shows as a run, and waits for it', async () => {
    const child = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev', TRIGGER, '--json'], { cwd: trigger.dir });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const events = () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; dagId?: string; runId?: string; state?: string });
    const parentEnded = () => events().some((e) => e.event === 'runEnded' && e.dagId === 'cross_parent_daily');
    try {
      // A readiness wait on the output; the backstop only stops a hang.
      for (const giveUp = Date.now() + 120_000; !parentEnded(); ) {
        if (Date.now() > giveUp) throw new Error(`no runEnded of cross_parent_daily; stdout:\n${stdout}`);
        await new Promise((done) => setTimeout(done, 200));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const runs = events()
        .filter((e) => e.event === 'runStarted' || e.event === 'runEnded')
        .map((e) => `${e.event} ${e.dagId} ${e.state ?? ''}`.trim());
      expect(runs).toEqual([
        'runStarted cross_parent_daily',
        'runStarted cross_child',
        'runEnded cross_child success',
        'runEnded cross_parent_daily success',
      ]);
      const parentRun = events().find((e) => e.event === 'runStarted')!.runId!;
      const childRun = `triggered__cross_parent_daily.start_child__${parentRun}`;
      expect(events().find((e) => e.event === 'runStarted' && e.dagId === 'cross_child')?.runId).toBe(childRun);
      // The triggered run's task progress shows as a scheduled run's does, between its start and its end.
      const childLines = events()
        .filter((e) => e.dagId === 'cross_child')
        .map((e) => (e.event === 'task' ? `task ${e.runId} ${(e as { taskId?: string }).taskId} ${e.state}` : e.event));
      expect(childLines[0]).toBe('runStarted');
      expect(childLines.at(-1)).toBe('runEnded');
      expect(childLines).toContain(`task ${childRun} take running`);
      expect(childLines.indexOf(`task ${childRun} take success`)).toBe(childLines.length - 2);
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);

  it('creates the run of a paused target queued (Airflow 3), leaves it queued when the run ends, and unpause starts it', async () => {
    expect((await trigger.airstep('pause', 'cross_child')).code).toBe(0);
    const result = await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent_no_wait', '--date', '2026-11-24');

    expect(result.code, result.stderr).toBe(0);
    const runId = 'triggered__cross_parent_no_wait.start_child__manual__2026-11-24T00:00:00+00:00';
    expect(result.stdout).toContain(`queued cross_child › ${runId}: left queued, not started (cross_child is paused`);
    const child = (await trigger.store.runs('cross_child')).find((run) => run.runId === runId);
    expect(child?.state).toBe('queued');
    // `runs` says why it waits and what starts it.
    const listed = await trigger.airstep('runs', 'cross_child');
    expect(listed.stdout).toContain(`cross_child  ${runId}  queued`);
    expect(listed.stdout).toContain('(cross_child is paused: airstep unpause cross_child starts it)');

    const unpaused = await trigger.airstep('unpause', 'cross_child');

    expect(unpaused.code, unpaused.stderr).toBe(0);
    expect(unpaused.stdout).toContain(`started cross_child › ${runId} (was queued)`);
    expect(unpaused.stdout).toContain(`ended cross_child › ${runId} success`);
    const started = (await trigger.store.runs('cross_child')).find((run) => run.runId === runId);
    expect(started).toMatchObject({ state: 'success', conf: { day: 'any', rows: 1 }, runType: 'manual' });
    expect((await trigger.store.tasks('cross_child', runId))[0]?.output).toBe('any:1 (manual)');
    // Nothing is left to start: a second unpause starts nothing.
    const again = await trigger.airstep('unpause', 'cross_child', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ dagId: 'cross_child', changed: false, startedQueuedRuns: [] });
  }, 180_000);
});

describe('Local engine: airstep dev adopts queued runs', () => {
  it('starts at its start a run a stopped command left queued (its DAG not paused), once, as itself', async () => {
    expect((await trigger.airstep('pause', 'cross_child')).code).toBe(0);
    const left = await trigger.airstep('run', TRIGGER, '--dag', 'cross_parent_no_wait', '--date', '2026-11-26');
    expect(left.code, left.stderr).toBe(0);
    const runId = 'triggered__cross_parent_no_wait.start_child__manual__2026-11-26T00:00:00+00:00';
    // Unpaused without `airstep unpause` starting it (as after a command stopped while the DAG was full).
    await trigger.store.saveDagState({ dagId: 'cross_child' });
    expect((await trigger.store.runs('cross_child')).find((run) => run.runId === runId)?.state).toBe('queued');

    const dev = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev', 'dags', '--json'], { cwd: trigger.dir });
    let stdout = '';
    dev.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((done) => dev.once('exit', (code) => done(code)));
    const events = () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; dagId?: string; runId?: string; state?: string });
    try {
      for (const giveUp = Date.now() + 120_000; !events().some((e) => e.event === 'runEnded' && e.runId === runId); ) {
        if (Date.now() > giveUp) throw new Error(`no runEnded of ${runId}; stdout:\n${stdout}`);
        await new Promise((done) => setTimeout(done, 200));
      }
      // A few more passes of its queue (every 2 s) must not start it again.
      const passes = Date.now();
      while (Date.now() - passes < 5_000) await new Promise((done) => setTimeout(done, 200));
      dev.kill('SIGINT');
      expect(await exited).toBe(0);
      const mine = events().filter((e) => e.runId === runId);
      expect(mine.filter((e) => e.event === 'runStarted')).toHaveLength(1);
      expect(mine.find((e) => e.event === 'runEnded')?.state).toBe('success');
      const child = (await trigger.store.runs('cross_child')).find((run) => run.runId === runId);
      expect(child).toMatchObject({ state: 'success', conf: { day: 'any', rows: 1 } });
    } finally {
      dev.kill('SIGKILL');
    }
  }, 240_000);
});

describe('Example dags/examples/cross_dag.ts in the local engine', () => {
  it("runs orders, then report's sensor finds load_orders of the same date; its trigger step runs publish with conf", async () => {
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

    // The whole report: its sensor finds the day's orders, its trigger step starts publish with conf and waits.
    const orders23 = await project.airstep('run', EXAMPLE, '--dag', 'cross_dag_orders', '--date', '2026-11-23');
    expect(orders23.code, orders23.stderr).toBe(0);
    const whole = await project.airstep(
      'run',
      EXAMPLE,
      '--dag',
      'cross_dag_report',
      '--date',
      '2026-11-23',
      '--speed',
      '30',
      '--json',
    );
    expect(whole.code, whole.stderr).toBe(0);
    const wholeRun = runJson(whole.stdout);
    expect(states(wholeRun)).toEqual({
      wait_for_orders: 'success',
      build_report: 'success',
      publish_report: 'success',
    });
    const publishRunId = 'triggered__cross_dag_report.publish_report__manual__2026-11-23T00:00:00+00:00';
    expect(wholeRun.tasks.find((task) => task.taskId === 'publish_report')?.output).toEqual({
      dagId: 'cross_dag_publish',
      runId: publishRunId,
      state: 'success',
    });
    expect((await project.store.tasks('cross_dag_publish', publishRunId))[0]?.output).toBe(
      'published daily for 2026-11-23',
    );
  }, 240_000);
});
