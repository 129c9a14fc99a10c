import { describe, expect, it } from 'vitest';
import type { RunContext, TaskMessage } from '../../lib/compiler/worker-contract.ts';
import { keptOutcome, tryNumberOf } from '../../lib/runtime/kept-task.ts';

const ctx = {
  runId: 'manual__2026-11-22T00:00:00+00:00',
  clear: {
    attempt: 1,
    kept: {
      extract: { state: 'success', output: { rows: 3 }, try: 2 },
      'each[1]': { state: 'skipped', reason: 'empty', try: 1 },
      'each[2]': { state: 'failed', error: 'Error', try: 1 },
    },
    priorTries: { transform: 2, extract: 2 },
  },
} as unknown as RunContext;
const message = (taskId: string, mapIndex = -1, retryCount = 0, kind: TaskMessage['kind'] = 'task') =>
  ({ kind, taskId, mapIndex, retryCount, ctx }) as TaskMessage;

describe('keptOutcome', () => {
  it('answers a kept list task with where its list is, for a distributed mapping that reads it', () => {
    const ref = { xcomRef: 's3://stack-bucket/xcom/etl/r/list/-1/try-1.json', bytes: 9 };
    const withRef = {
      ...message('extract'),
      ctx: { ...ctx, clear: { ...ctx.clear, kept: { extract: { state: 'success', output: ref, try: 1 } } } },
    } as never;
    const locate = (uri: string) => ({ Bucket: 'stack-bucket', Key: uri.slice('s3://stack-bucket/'.length) });
    expect(keptOutcome(withRef, locate)).toEqual({
      ok: true,
      result: { output: ref, try: 1, items: { Bucket: 'stack-bucket', Key: 'xcom/etl/r/list/-1/try-1.json' } },
    });
    // A plain result has no place in a store.
    expect(keptOutcome(message('extract'), locate)).toEqual({ ok: true, result: { output: { rows: 3 }, try: 2 } });
  });

  it('answers a kept instance with its result, its skip, or its failure (not retryable)', () => {
    expect(keptOutcome(message('extract'))).toEqual({ ok: true, result: { output: { rows: 3 }, try: 2 } });
    expect(keptOutcome(message('each', 1))).toEqual({ ok: false, error: 'SkipError', cause: 'empty', try: 1 });
    expect(keptOutcome(message('each', 2))).toEqual({
      ok: false,
      error: 'NonRetryableError',
      cause: 'kept by airstep clear: Error',
      try: 1,
    });
  });

  it('runs what the clear did not keep, other items of a kept task, sensors pokes, and runs never cleared', () => {
    expect(keptOutcome(message('transform'))).toBeUndefined();
    expect(keptOutcome(message('each', 0))).toBeUndefined();
    expect(keptOutcome(message('extract', -1, 0, 'poke'))).toBeUndefined();
    expect(keptOutcome({ ...message('extract'), ctx: { ...ctx, clear: undefined } } as TaskMessage)).toBeUndefined();
  });
});

describe('tryNumberOf', () => {
  it('goes on after the tries a cleared instance made; without a clear it is RetryCount + 1', () => {
    expect(tryNumberOf(message('transform', -1, 0))).toBe(3);
    expect(tryNumberOf(message('transform', -1, 1))).toBe(4);
    expect(tryNumberOf(message('load', -1, 1))).toBe(2);
  });
});
