import { describe, expect, it } from 'vitest';
import { tryHasEnded } from '../../lib/cli/history/try-ended.ts';
import type { TaskMessage } from '../../lib/compiler/worker-contract.ts';
import { taskLogFilterPattern, taskLogLine, taskLogLineOf } from '../../lib/stack-contract/task-log-line.ts';
import { taskLogTagsOf } from '../../lib/worker/task-log-tags.ts';

const tags = { dagId: 'etl', runId: 'scheduled__2026-11-22T00:00:00+00:00', taskId: 'load', mapIndex: 3, tryNumber: 2 };

describe('task log lines (lib/stack-contract/task-log-line.ts)', () => {
  it('writes one JSON object per line with the try’s fields at the top level', () => {
    expect(JSON.parse(taskLogLine(tags, 'loaded 3 rows'))).toEqual({
      level: 'INFO',
      message: 'loaded 3 rows',
      ...tags,
    });
    expect(taskLogLine(tags, 'two\nlines')).not.toContain('\n');
  });

  it('selects a try with a CloudWatch JSON filter pattern on every field, or every try without tryNumber', () => {
    expect(taskLogFilterPattern(tags)).toBe(
      '{ $.dagId = "etl" && $.runId = "scheduled__2026-11-22T00:00:00+00:00" && $.taskId = "load" && ' +
        '$.mapIndex = 3 && $.tryNumber = 2 }',
    );
    const { tryNumber: _, ...instance } = tags;
    expect(taskLogFilterPattern({ ...instance, mapIndex: -1 })).toBe(
      '{ $.dagId = "etl" && $.runId = "scheduled__2026-11-22T00:00:00+00:00" && $.taskId = "load" && $.mapIndex = -1 }',
    );
    // A quote would end the pattern's string: such a value is left to the client-side check.
    expect(taskLogFilterPattern({ ...tags, runId: 'a"b' })).not.toContain('a"b');
  });

  it('reads back only the lines of the query: not another try, map index, run, nor platform or plain lines', () => {
    const written = taskLogLine(tags, 'hello');
    expect(taskLogLineOf(written, 5, tags)).toEqual({ ...tags, timestamp: 5, level: 'INFO', message: 'hello' });
    const { tryNumber: _, ...instance } = tags;
    expect(taskLogLineOf(written, 5, instance)?.tryNumber).toBe(2);
    for (const other of [
      { ...tags, tryNumber: 1 },
      { ...tags, mapIndex: -1 },
      { ...tags, runId: 'manual__x' },
      { ...tags, taskId: 'extract' },
      { ...tags, dagId: 'other' },
    ]) {
      expect(taskLogLineOf(written, 5, other)).toBeUndefined();
    }
    expect(taskLogLineOf('START RequestId: 1 Version: $LATEST', 5, tags)).toBeUndefined();
    expect(taskLogLineOf('"just a string"', 5, tags)).toBeUndefined();
    expect(taskLogLineOf(JSON.stringify({ ...tags, tryNumber: '2' }), 5, tags)).toBeUndefined();
  });
});

describe('taskLogTagsOf (what the worker adds to each line)', () => {
  const message = {
    kind: 'task',
    dagId: 'etl',
    taskId: 'load',
    retryCount: 1,
    mapIndex: 3,
    ctx: { runId: tags.runId },
  } as unknown as TaskMessage;

  it('tags a task or poke try with its try number (retryCount + 1)', () => {
    expect(taskLogTagsOf(message)).toEqual(tags);
    expect(taskLogTagsOf({ ...message, kind: 'poke', retryCount: 0 })).toEqual({ ...tags, tryNumber: 1 });
  });

  it('tags a task callback with the try it was called for, and a DAG callback with its run only', () => {
    const callback = { kind: 'callback', dagId: 'etl', ctx: { runId: tags.runId } };
    expect(
      taskLogTagsOf({
        ...callback,
        callback: { of: 'task', name: 'onFailure', state: 'failed', taskId: 'load', mapIndex: 3, tryNumber: 2 },
      }),
    ).toEqual(tags);
    expect(taskLogTagsOf({ ...callback, callback: { of: 'dag', name: 'onFailure', state: 'failed' } })).toEqual({
      dagId: 'etl',
      runId: tags.runId,
    });
    expect(taskLogTagsOf({ kind: 'gate', dagId: 'etl', taskId: 'wait' })).toEqual({ dagId: 'etl', taskId: 'wait' });
    expect(taskLogTagsOf(null)).toEqual({});
  });
});

describe('tryHasEnded (when airstep logs --follow stops)', () => {
  it('ends every try with its run', () => {
    for (const state of ['success', 'failed', 'interrupted'] as const)
      expect(tryHasEnded({ state }, undefined, 1)).toBe(true);
    expect(tryHasEnded({ state: 'running' }, undefined, 1)).toBe(false);
    expect(tryHasEnded({ state: 'queued' }, undefined, 1)).toBe(false);
  });

  it('ends a try of a running run when its record shows a later try or this try’s end', () => {
    const running = { state: 'running' } as const;
    expect(tryHasEnded(running, { state: 'running', tries: 2 }, 1)).toBe(true);
    expect(tryHasEnded(running, { state: 'running', tries: 2 }, 2)).toBe(false);
    expect(tryHasEnded(running, { state: 'up_for_retry', tries: 2 }, 2)).toBe(true);
    expect(tryHasEnded(running, { state: 'success', tries: 2 }, 2)).toBe(true);
    expect(tryHasEnded(running, { state: 'queued', tries: 1 }, 2)).toBe(false);
    expect(tryHasEnded(running, { state: 'none' }, 1)).toBe(false);
  });
});
