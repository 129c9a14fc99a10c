import { describe, expect, it } from 'vitest';
import { markRunPlan, markTaskPlan, parseTaskInstance, type runStateOf } from '../../lib/runs/mark-decision.ts';

const record = (taskId: string, state: Parameters<typeof runStateOf>[0][number], mapIndex = -1) => ({
  taskId,
  mapIndex,
  state,
});

describe('mark decisions (Airflow rules on an ended run)', () => {
  it('names a mapped instance as task[index]', () => {
    expect(parseTaskInstance('each[3]')).toEqual({ taskId: 'each', mapIndex: 3 });
    expect(parseTaskInstance('load')).toEqual({ taskId: 'load', mapIndex: -1 });
  });

  it('marking the only failed task success makes the run a success', () => {
    const records = [record('extract', 'success'), record('load', 'failed')];
    const plan = markTaskPlan(records, records[1]!, 'success');
    expect(plan.changed).toEqual([{ record: records[1], state: 'success' }]);
    expect(plan.runState).toBe('success');
  });

  it('leaves an upstream_failed downstream as it is, so the run stays failed', () => {
    const records = [record('load', 'failed'), record('publish', 'upstream_failed')];
    expect(markTaskPlan(records, records[0]!, 'success').runState).toBe('failed');
  });

  it('marking a succeeded task failed fails the run; marking it what it is changes nothing', () => {
    const records = [record('a', 'success'), record('b', 'skipped')];
    expect(markTaskPlan(records, records[0]!, 'failed').runState).toBe('failed');
    expect(markTaskPlan(records, records[0]!, 'success')).toEqual({ changed: [], runState: 'success' });
  });

  it('marking a run success sets every instance that did not succeed, skipped ones stay', () => {
    const records = [
      record('a', 'failed'),
      record('b', 'upstream_failed'),
      record('c', 'skipped'),
      record('d', 'success'),
    ];
    const plan = markRunPlan(records, 'success');
    expect(plan.changed.map((change) => [change.record.taskId, change.state])).toEqual([
      ['a', 'success'],
      ['b', 'success'],
    ]);
    expect(plan.runState).toBe('success');
  });

  it('marking a run failed fails what still runs and skips what never ended', () => {
    const records = [record('a', 'success'), record('b', 'running'), record('c', 'queued'), record('d', 'none')];
    const plan = markRunPlan(records, 'failed');
    expect(plan.changed.map((change) => [change.record.taskId, change.state])).toEqual([
      ['b', 'failed'],
      ['c', 'skipped'],
      ['d', 'skipped'],
    ]);
    expect(plan.runState).toBe('failed');
  });
});
