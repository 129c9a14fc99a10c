import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { RUN_STATE } from '../../lib/compiler/run-states.ts';
import {
  alertText,
  failedTaskInstances,
  lastPayload,
  taskRecords,
  withMappedInstances,
} from '../../lib/runs/run-records.ts';

const ctx = {
  dagId: 'nightly',
  runId: 'scheduled__2026-11-23T00:00:00+00:00',
  runType: 'scheduled',
  logicalDate: '2026-11-23T00:00:00+00:00',
  ds: '2026-11-23',
  dsNodash: '20261123',
  ts: '2026-11-23T00:00:00+00:00',
  dataIntervalStart: '2026-11-23T00:00:00+00:00',
  dataIntervalEnd: '2026-11-24T00:00:00+00:00',
  params: {},
  conf: {},
} as const;
const arn = 'arn:aws:states:eu-west-1:123456789012:execution:airstep-nightly:run';

describe('taskRecords', () => {
  it('reads each task record of a run payload, named by task id, in id order', () => {
    const tasks = taskRecords(
      {
        ctx,
        tasks: {
          load: { state: 'upstream_failed', output: null },
          extract_customers: {
            state: 'failed',
            output: null,
            error: { Error: 'Boom', Cause: 'Boom: the rows were refused\n    at load (/p/dags/etl.ts:4:9)' },
            try: 3,
          },
          check: { state: 'success', try: 2, output: { rows: 3 } },
          pending: null,
        },
        gates: {},
      },
      { extract_customers: 'extract.customers' },
    );
    expect(tasks).toEqual([
      { key: 'check', state: 'success', try: 2 },
      {
        key: 'extract_customers',
        taskId: 'extract.customers',
        state: 'failed',
        try: 3,
        error: 'Boom',
        // One line for the grid of `airstep tasks --stack` (the recorder writes it to the task's record).
        errorMessage: 'Boom: the rows were refused',
      },
      { key: 'load', state: 'upstream_failed' },
    ]);
  });

  it('reads the reason of a task that skipped itself (SkipError) from its record', () => {
    const tasks = taskRecords({
      ctx,
      tasks: {
        check: { state: 'skipped', output: null, skip: { Error: 'SkipError', Cause: 'no new files' } },
        load: { state: 'skipped', output: null },
        // moto drops SendTaskFailure's cause: no reason, still skipped.
        other: { state: 'skipped', output: null, skip: { Error: 'SkipError', Cause: null } },
      },
      gates: {},
    });
    expect(tasks).toEqual([
      { key: 'check', state: 'skipped', reason: 'no new files' },
      { key: 'load', state: 'skipped' },
      { key: 'other', state: 'skipped' },
    ]);
  });

  it('reads nothing from a payload without task records', () => {
    expect(taskRecords(null)).toEqual([]);
    expect(taskRecords({ ctx })).toEqual([]);
  });
});

describe('withMappedInstances', () => {
  it('puts each instance of a mapped task after its own record, by map index, under the payload key of its task', () => {
    const tasks = withMappedInstances(
      taskRecords(
        {
          tasks: {
            each_row: { state: 'failed', error: { Error: 'MappedItemFailed' } },
            combine: { state: 'upstream_failed' },
            list: { state: 'success', try: 1 },
          },
        },
        { each_row: 'each.row' },
      ),
      [
        { taskId: 'each.row', mapIndex: 10, state: 'success', try: 1 },
        { taskId: 'each.row', mapIndex: 2, state: 'failed', try: 3, error: 'Boom' },
      ],
    );
    expect(tasks).toEqual([
      { key: 'combine', state: 'upstream_failed' },
      { key: 'each_row', taskId: 'each.row', state: 'failed', error: 'MappedItemFailed' },
      { key: 'each_row', taskId: 'each.row', mapIndex: 2, state: 'failed', try: 3, error: 'Boom' },
      { key: 'each_row', taskId: 'each.row', mapIndex: 10, state: 'success', try: 1 },
      { key: 'list', state: 'success', try: 1 },
    ]);
    // The failed instances are the item, not also the task it sums up in.
    expect(failedTaskInstances(tasks)).toEqual([tasks[2]]);
  });

  it('names a mapped task itself when its instances are not known', () => {
    const tasks = taskRecords({ tasks: { each: { state: 'failed', error: { Error: 'MappedItemFailed' } } } });
    expect(failedTaskInstances(withMappedInstances(tasks, []))).toEqual(tasks);
  });
});

describe('lastPayload', () => {
  it('is the newest state output that holds task records, whatever order the pages came in', () => {
    const exit = (id: number, output: unknown): HistoryEvent => ({
      id,
      type: 'PassStateExited',
      timestamp: new Date(0),
      stateExitedEventDetails: { name: `s${id}`, output: JSON.stringify(output) },
    });
    const events: HistoryEvent[] = [
      exit(3, { tasks: { a: { state: 'success' } } }),
      exit(7, { tasks: { a: { state: 'success' }, b: { state: 'failed' } } }),
      exit(9, { state: 'failed', output: null }),
      { id: 10, type: 'ExecutionFailed', timestamp: new Date(0) },
    ];
    expect(lastPayload(events)).toEqual({ tasks: { a: { state: 'success' }, b: { state: 'failed' } } });
    expect(lastPayload([...events].reverse())).toEqual({ tasks: { a: { state: 'success' }, b: { state: 'failed' } } });
    expect(lastPayload([])).toBeNull();
  });
});

describe('alertText', () => {
  it('names the DAG, the run, the failed tasks with their errors, those not run, and links the execution', () => {
    const tasks = taskRecords(
      {
        tasks: {
          a_b: { state: 'failed', error: { Error: 'States.Timeout' } },
          load: { state: 'upstream_failed' },
          ok: { state: 'success' },
        },
      },
      { a_b: 'a.b' },
    );
    const alert = alertText({
      ctx,
      status: 'FAILED',
      executionArn: arn,
      tasks,
      error: 'DagRunFailed',
    });
    expect(alert.subject).toBe('Airstep: nightly run failed');
    expect(alert.message.split('\n')).toEqual([
      'DAG nightly, run scheduled__2026-11-23T00:00:00+00:00: FAILED (DagRunFailed)',
      'logical date 2026-11-23T00:00:00+00:00',
      'failed tasks: a.b (States.Timeout)',
      'not run (upstream failed): load',
      `execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    ]);
  });

  it('names the failed items of a mapped task by map index', () => {
    const tasks = withMappedInstances(
      taskRecords({ tasks: { each: { state: 'failed', error: { Error: 'MappedItemFailed' } } } }),
      [
        { taskId: 'each', mapIndex: 0, state: 'success', try: 1 },
        { taskId: 'each', mapIndex: 1, state: 'failed', try: 1, error: 'NonRetryableError' },
      ],
    );
    const alert = alertText({ ctx, status: 'FAILED', executionArn: arn, tasks });
    expect(alert.message.split('\n')[2]).toBe('failed tasks: each[1] (NonRetryableError)');
  });

  it('says so when no task failed (a run timeout or an abort) and keeps the subject SNS-safe', () => {
    const alert = alertText({
      ctx: { ...ctx, dagId: `d${'x'.repeat(120)}` },
      status: 'TIMED_OUT',
      executionArn: arn,
      tasks: [],
    });
    expect(alert.message.split('\n')[2]).toBe('no task failed (the run itself ended early)');
    expect(alert.subject).toHaveLength(100);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('maps execution statuses to Airflow run states', () => {
    expect(RUN_STATE).toEqual({
      RUNNING: 'running',
      SUCCEEDED: 'success',
      FAILED: 'failed',
      TIMED_OUT: 'failed',
      ABORTED: 'interrupted',
    });
  });
});
