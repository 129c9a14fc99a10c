import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { childExecutionArns, isRunPart } from '../../lib/runs/run-parts.ts';

const parent = 'arn:aws:states:us-east-1:1:execution:airstep-big:manual__2026-12-07T00_00_00_00_00';
const child = (n: number) => `arn:aws:states:us-east-1:1:execution:airstep-big-part-0${n}:5f0c6a1e-${n}`;
const ctx = { dagId: 'big', runId: 'manual__2026-12-07T00:00:00+00:00' };

describe('Function: isRunPart', () => {
  it("tells a split DAG's child execution (its input names the run's execution) from the run itself", () => {
    const childInput = JSON.stringify({ ctx, tasks: {}, gates: {}, runExecutionArn: parent });
    expect(isRunPart({ executionArn: child(1), input: childInput })).toBe(true);
    expect(isRunPart({ executionArn: parent, input: JSON.stringify({ ctx }) })).toBe(false);
    expect(isRunPart({ executionArn: parent, input: JSON.stringify({ ctx, runExecutionArn: parent }) })).toBe(false);
    expect(isRunPart({ executionArn: parent, input: null })).toBe(false);
    expect(isRunPart({ executionArn: parent, input: 'not json' })).toBe(false);
  });
});

describe('Function: childExecutionArns', () => {
  const sync = { resourceType: 'states', resource: 'startExecution.sync:2' };
  it('reads the children a parent started from its startExecution.sync:2 steps, whether they succeeded or failed', () => {
    const events: HistoryEvent[] = [
      {
        id: 5,
        type: 'TaskSubmitted',
        taskSubmittedEventDetails: { ...sync, output: JSON.stringify({ ExecutionArn: child(1), StartDate: 1 }) },
      } as HistoryEvent,
      {
        id: 9,
        type: 'TaskSucceeded',
        taskSucceededEventDetails: { ...sync, output: JSON.stringify({ ExecutionArn: child(1), Status: 'SUCCEEDED' }) },
      } as HistoryEvent,
      {
        id: 7,
        type: 'TaskFailed',
        taskFailedEventDetails: {
          ...sync,
          error: 'States.TaskFailed',
          cause: JSON.stringify({ ExecutionArn: child(2), Status: 'FAILED' }),
        },
      } as HistoryEvent,
      // Another service's step, and a start that failed before a child existed.
      {
        id: 3,
        type: 'TaskSucceeded',
        taskSucceededEventDetails: {
          resourceType: 'sqs',
          resource: 'sendMessage',
          output: JSON.stringify({ ExecutionArn: 'x' }),
        },
      } as HistoryEvent,
      {
        id: 11,
        type: 'TaskFailed',
        taskFailedEventDetails: { ...sync, error: 'States.Runtime', cause: 'StateMachineDoesNotExist' },
      } as HistoryEvent,
    ];
    expect(childExecutionArns(events)).toEqual([child(1), child(2)]);
    expect(childExecutionArns([])).toEqual([]);
  });
});
