import { describe, expect, it } from 'vitest';
import { cloudClearedInstances, keptMappedItems } from '../../lib/runs/cloud-clear-instances.ts';
import { clearExecutionName, executionName } from '../../lib/runs/execution-name.ts';
import { readTriggerEvent } from '../../lib/runs/trigger-event.ts';

describe('clearExecutionName', () => {
  it('keeps the first execution’s name and suffixes each clear’s attempt', () => {
    const runId = 'manual__2026-11-24T00:00:00+00:00';
    expect(clearExecutionName(runId, 0)).toBe(executionName(runId));
    expect(clearExecutionName(runId, 1)).toBe('manual__2026-11-24T00_00_00_00_00__clear1');
    expect(clearExecutionName(runId, 12)).toBe('manual__2026-11-24T00_00_00_00_00__clear12');
  });

  it('stays within 80 characters for a long run id, different per run and the same for the same request', () => {
    const long = (tail: string) => `backfill__${'x'.repeat(90)}${tail}`;
    const a = clearExecutionName(long('a'), 3);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a.endsWith('__clear3')).toBe(true);
    expect(clearExecutionName(long('a'), 3)).toBe(a);
    expect(clearExecutionName(long('b'), 3)).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('cloudClearedInstances', () => {
  it('takes state, tries, error and reason from the records and each task’s result from the payload', () => {
    const payload = {
      ctx: {},
      tasks: {
        extract_rows: { state: 'success', output: { ref: 's3://b/xcom/1.json' }, try: 1 },
        check: { state: 'skipped', output: null, skip: { Cause: 'no rows' } },
      },
    };
    const instances = cloudClearedInstances(
      [
        { taskId: 'extract.rows', mapIndex: -1, state: 'success', tries: 1 },
        { taskId: 'check', mapIndex: -1, state: 'skipped', tries: 1, reason: 'no rows' },
        { taskId: 'load', mapIndex: -1, state: 'failed', tries: 2, error: 'Error' },
        { taskId: 'fan', mapIndex: 0, state: 'success', tries: 1 },
      ],
      payload,
      { extract_rows: 'extract.rows' },
    );
    expect(instances).toEqual([
      { taskId: 'extract.rows', mapIndex: -1, state: 'success', tries: 1, output: { ref: 's3://b/xcom/1.json' } },
      { taskId: 'check', mapIndex: -1, state: 'skipped', tries: 1, output: null, reason: 'no rows' },
      { taskId: 'load', mapIndex: -1, state: 'failed', tries: 2, error: 'Error' },
      // A mapped item's result is not in the payload.
      { taskId: 'fan', mapIndex: 0, state: 'success', tries: 1 },
    ]);
  });

  it('names the mapped items a clear would keep with a result (the cloud refuses those)', () => {
    expect(
      keptMappedItems({
        attempt: 1,
        kept: {
          'fan[1]': { state: 'success', output: null, try: 1 },
          'fan[0]': { state: 'success', output: null, try: 1 },
          'fan[2]': { state: 'failed', error: 'Error', try: 1 },
          extract: { state: 'success', output: 1, try: 1 },
        },
        priorTries: {},
      }),
    ).toEqual(['fan[0]', 'fan[1]']);
  });
});

describe('readTriggerEvent: clear', () => {
  const ctx = { dagId: 'd', runId: 'r' };
  const clear = { attempt: 1, kept: {}, priorTries: {} };
  it('reads a clear event and names each bad field', () => {
    const good = { kind: 'clear', dagId: 'd', runId: 'r', previousExecutionArn: 'arn:x', ctx, clear };
    expect(readTriggerEvent(good)).toMatchObject({ ok: true });
    expect(
      readTriggerEvent({ kind: 'clear', dagId: 'd', runId: 'other', ctx: { ...ctx, clear }, clear: { attempt: 0 } }),
    ).toEqual({
      ok: false,
      problems: [
        'previousExecutionArn must be an execution ARN, got nothing',
        'ctx must be the context of the run named by dagId and runId, without a clear',
        'clear must be { attempt (1, 2, …), kept, priorTries, outletsRecorded? }',
      ],
    });
    // The kept empty tasks whose outlets an earlier execution recorded: payload keys, each `true`.
    const recorded = { ...good, clear: { ...clear, outletsRecorded: { marks: true } } };
    expect(readTriggerEvent(recorded)).toMatchObject({ ok: true });
    expect(readTriggerEvent({ ...good, clear: { ...clear, outletsRecorded: { marks: 'yes' } } })).toMatchObject({
      ok: false,
      problems: ['clear must be { attempt (1, 2, …), kept, priorTries, outletsRecorded? }'],
    });
  });
});
