import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { Clock } from '../../lib/local/clock.ts';
import { LocalStore } from '../../lib/local/local-store.ts';
import { type RecordedRun, runAndRecord } from '../../lib/local/record-run.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { failing, succeeding } from '../fixtures/local/calling_back.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Task and DAG callbacks in the local engine, run in the worker pool's processes from the DAG file itself: each
 * callback of the fixture appends what it was called with to a file. The runs go at real speed: a faster clock
 * shrinks the default 2-minute heartbeat to where a busy machine misses it (the fixture's waits are 1-2 s).
 */
const FILE = 'test/fixtures/local/calling_back.ts';
type Entry = Record<string, unknown> & { name: string; taskId?: string; mapIndex?: number; tryNumber?: number };

let root: string;
let notes: string;
const entries = async (): Promise<Entry[]> =>
  (await readFile(notes, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
const of = (list: Entry[], taskId: string) =>
  list
    .filter((entry) => entry.taskId === taskId)
    .map(({ name, mapIndex, tryNumber, state, error }) => ({
      name,
      mapIndex,
      tryNumber,
      state,
      ...(error !== undefined ? { error } : {}),
    }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-callbacks-'));
  notes = join(root, 'callbacks.jsonl');
  vi.stubEnv('AIRSTEP_TEST_CALLBACKS', notes);
  vi.stubEnv('AIRSTEP_TEST_STORE', root);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(root, { recursive: true, force: true });
});

describe('Local engine: callbacks in worker processes', () => {
  let failed: RecordedRun;
  let failedEntries: Entry[];

  beforeAll(async () => {
    failed = await runAndRecord({
      dag: failing,
      file: FILE,
      ctx: manualContext(failing),
      store: new LocalStore(root),
      maxActiveTasks: 4,
      speed: 1,
      callbackTimeLimitMs: 3000,
    });
    failedEntries = (await entries()).filter((entry) => entry.dagId === undefined || entry.dagId === 'calling_back');
  });

  it('calls onRetry after a failed try with retries left, then onFailure after the last, with the error', () => {
    const error = { name: 'TypeError', message: 'flaky source' };
    expect(of(failedEntries, 'flaky')).toEqual([
      { name: 'onRetry', mapIndex: -1, tryNumber: 1, state: 'up_for_retry', error },
      { name: 'onFailure', mapIndex: -1, tryNumber: 2, state: 'failed', error },
    ]);
    expect(failedEntries.find((entry) => entry.taskId === 'flaky')).toMatchObject({
      dagId: 'calling_back',
      runId: failed.run.runId,
      ds: '2026-11-22',
    });
  });

  it('calls onSuccess for a try that succeeded, and onFailure at once for NonRetryableError', () => {
    expect(of(failedEntries, 'fine')).toEqual([{ name: 'onSuccess', mapIndex: -1, tryNumber: 1, state: 'success' }]);
    expect(of(failedEntries, 'doomed')).toEqual([
      {
        name: 'onFailure',
        mapIndex: -1,
        tryNumber: 1,
        state: 'failed',
        error: { name: 'NonRetryableError', message: 'bad input' },
      },
    ]);
  });

  it('calls no callback for upstream_failed or a task that skipped itself (as Airflow)', () => {
    const states = Object.fromEntries(failed.tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t.state]));
    expect(states).toMatchObject({ after_flaky: 'upstream_failed', skipper: 'skipped' });
    expect(of(failedEntries, 'after_flaky')).toEqual([]);
    expect(of(failedEntries, 'skipper')).toEqual([]);
  });

  it('calls onFailure for a try that ran out of its executionTimeout', () => {
    expect(of(failedEntries, 'slow')).toEqual([
      {
        name: 'onFailure',
        mapIndex: -1,
        tryNumber: 1,
        state: 'failed',
        error: expect.objectContaining({ name: 'States.Timeout' }),
      },
    ]);
  });

  it("calls each mapped item's callbacks with its map index", () => {
    expect(of(failedEntries, 'each').sort((a, b) => (a.mapIndex ?? 0) - (b.mapIndex ?? 0))).toEqual([
      { name: 'onSuccess', mapIndex: 0, tryNumber: 1, state: 'success' },
      { name: 'onFailure', mapIndex: 1, tryNumber: 1, state: 'failed', error: { name: 'Error', message: 'item two' } },
    ]);
  });

  it('keeps states when a callback throws or hangs past its time limit, and logs it with the DAG, run and task', async () => {
    const states = Object.fromEntries(failed.tasks.map((t) => [`${t.taskId}#${t.mapIndex}`, t.state]));
    expect(states).toMatchObject({ 'loud#-1': 'success', 'stuck#-1': 'success', 'after_stuck#-1': 'success' });
    expect(of(failedEntries, 'after_stuck')).toEqual([
      { name: 'onSuccess', mapIndex: -1, tryNumber: 1, state: 'success' },
    ]);
    const store = new LocalStore(root);
    const loud = (await store.readLog('calling_back', failed.run.runId, 'loud', -1, 1)) ?? '';
    expect(loud).toContain(
      `callback onSuccess failed (no state changed): DAG calling_back run ${failed.run.runId} task loud: onSuccess threw Error: the chat service is down`,
    );
    const stuck = (await store.readLog('calling_back', failed.run.runId, 'stuck', -1, 1)) ?? '';
    expect(stuck).toContain('onSuccess ran longer than 3000 ms');
  });

  it("calls the DAG's onFailure once, after the failed run is recorded, and not its onSuccess", () => {
    const dagEntries = failedEntries.filter((entry) => entry.name.startsWith('dag.'));
    expect(dagEntries).toEqual([
      {
        name: 'dag.onFailure',
        dagId: 'calling_back',
        runId: failed.run.runId,
        runType: 'manual',
        state: 'failed',
        error: expect.objectContaining({ name: expect.any(String) }),
        recorded: 'failed',
      },
    ]);
    expect(failed.run.state).toBe('failed');
    // The run callback comes after every task callback.
    expect(failedEntries.at(-1)!.name).toBe('dag.onFailure');
  });

  it("calls the DAG's onSuccess once for a run that succeeded, after it is recorded", async () => {
    const ok = await runAndRecord({
      dag: succeeding,
      file: FILE,
      ctx: manualContext(succeeding),
      store: new LocalStore(root),
      maxActiveTasks: 2,
      speed: 1,
    });
    expect(ok.run.state).toBe('success');
    const own = (await entries()).filter((entry) => entry.dagId === 'calling_back_ok');
    expect(own.map((entry) => entry.name)).toEqual(['onSuccess', 'dag.onSuccess']);
    expect(own[1]).toEqual({
      name: 'dag.onSuccess',
      dagId: 'calling_back_ok',
      state: 'success',
      error: null,
      recorded: 'success',
    });
  });
});

describe('Local engine: callbacks in-process', () => {
  it('runs with the run, and a callback that throws changes no state', async () => {
    const calls: string[] = [];
    const d = dag({
      id: 'in_process_callbacks',
      onFailure: ({ state }) => {
        calls.push(`dag:${state}`);
        throw new Error('callback broke');
      },
    });
    d.task(
      'bad',
      { retries: 1, retryDelay: 1, onRetry: ({ tryNumber }) => void calls.push(`retry:${tryNumber}`) },
      async () => {
        throw new Error('no');
      },
    );
    const result = await runDagLocally({ dag: d, ctx: manualContext(d), clock: new Clock({ speed: 10 }) });
    expect(result.execution.status).toBe('FAILED');
    expect(calls).toEqual(['retry:1', 'dag:failed']);
    expect(result.callbacks.map(({ message, result: r }) => [message.callback.name, r.status])).toEqual([
      ['onRetry', 'called'],
      ['onFailure', 'threw'],
    ]);
  });
});

describe('validate: callbacks', () => {
  it('refuses a callback on a step that runs no worker code, naming the task and field', () => {
    const d = dag({ id: 'native_callback' });
    d.s3Put('put', { bucket: 'b', key: 'k', body: 'x', onFailure: () => undefined });
    const { problems } = compileDag(d);
    expect(problems).toEqual([
      expect.objectContaining({
        taskId: 'put',
        field: 'onFailure',
        message:
          "does nothing for a native AWS step: no Airstep worker runs task code for it, so nothing calls task callbacks; they are for code tasks (use the DAG's onFailure / onSuccess for the run)",
      }),
    ]);
  });

  it('refuses a DAG callback that is not a function', () => {
    const d = dag({ id: 'bad_dag_callback', onSuccess: 'notify' as never });
    d.task('t', async () => 1);
    expect(compileDag(d).problems).toEqual([
      expect.objectContaining({ field: 'onSuccess', message: 'must be a function' }),
    ]);
  });

  it('puts which callbacks the DAG and its code tasks have into the manifest', () => {
    const { manifest } = compileDag(failing);
    expect(manifest!.callbacks).toEqual(['onFailure', 'onSuccess']);
    expect(manifest!.tasks.find((task) => task.id === 'flaky')!.callbacks).toEqual([
      'onFailure',
      'onRetry',
      'onSuccess',
    ]);
    expect(manifest!.tasks.find((task) => task.id === 'loud')!.callbacks).toEqual(['onSuccess']);
    const plain = dag({ id: 'plain' });
    plain.task('t', async () => 1);
    expect(compileDag(plain).manifest!.callbacks).toBeUndefined();
  });
});
