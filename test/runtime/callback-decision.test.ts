import { describe, expect, it } from 'vitest';
import { callbackError, dagCallbackFor, taskCallbackFor } from '../../lib/runtime/callback-decision.ts';

/** Which callback an end calls (Airflow 3's rules); the local and cloud tests show them called. */
describe('taskCallbackFor', () => {
  const task = { retries: 2, callbacks: ['onFailure', 'onRetry', 'onSuccess'] as const };

  it('calls onRetry while retries are left and onFailure on the last try, for a timeout as for an error', () => {
    const timeout = { ok: false, error: 'States.HeartbeatTimeout', cause: '' } as const;
    expect(taskCallbackFor(task, 2, timeout)?.name).toBe('onRetry');
    expect(taskCallbackFor(task, 3, timeout)).toEqual({
      name: 'onFailure',
      state: 'failed',
      error: { name: 'States.HeartbeatTimeout', message: '' },
    });
  });

  it('calls onFailure at once for NonRetryableError, nothing for SkipError, and only callbacks the task has', () => {
    expect(taskCallbackFor(task, 1, { ok: false, error: 'NonRetryableError', cause: 'NonRetryableError: no' })).toEqual(
      { name: 'onFailure', state: 'failed', error: { name: 'NonRetryableError', message: 'no' } },
    );
    expect(taskCallbackFor(task, 1, { ok: false, error: 'SkipError', cause: 'empty' })).toBeUndefined();
    expect(taskCallbackFor({ retries: 0, callbacks: ['onFailure'] }, 1, { ok: true })).toBeUndefined();
  });
});

describe('dagCallbackFor', () => {
  it('calls onFailure for a run that timed out and nothing for a run a person stopped', () => {
    const both = ['onFailure', 'onSuccess'] as const;
    expect(dagCallbackFor(both, 'TIMED_OUT', {})).toEqual({
      name: 'onFailure',
      state: 'failed',
      error: { name: 'States.Timeout', message: '' },
    });
    expect(dagCallbackFor(both, 'ABORTED')).toBeUndefined();
    expect(dagCallbackFor(['onFailure'], 'SUCCEEDED')).toBeUndefined();
  });
});

describe('callbackError', () => {
  it("takes the message from the first line of the worker's cause (the stack)", () => {
    expect(callbackError('TypeError', 'TypeError: bad row\n    at load (dag.ts:3:9)')).toEqual({
      name: 'TypeError',
      message: 'bad row',
    });
  });
});
