import { describe, expect, it } from 'vitest';
import { childFailureRecords } from '../../lib/local/child-failure-records.ts';

const given = (child: string) => ({
  state: 'failed',
  output: null,
  error: { Error: 'States.TaskFailed', Cause: `the child state machine ${child} of this run failed …` },
  childEnded: child,
});

describe('Function: childFailureRecords', () => {
  it("names the child's own end from the description `.sync:2` fails the step with", () => {
    const cause = JSON.stringify({ Status: 'TIMED_OUT', Error: 'States.Timeout', ExecutionArn: 'arn:x' });
    const output = {
      ctx: {},
      tasks: { a: given('part-02'), b: { state: 'success', output: 1 } },
      childError: { Error: 'States.TaskFailed', Cause: cause },
    };
    expect(childFailureRecords(output)).toEqual([
      {
        key: 'a',
        error: 'States.TaskFailed',
        cause: 'the child state machine part-02 of this run failed …',
        reason: 'the child state machine part-02 ended before this task did: TIMED_OUT: States.Timeout',
      },
    ]);
  });

  it('names the error of a start that never happened (no description), and reads no other exit', () => {
    const output = {
      ctx: {},
      tasks: { a: given('part-01') },
      childError: { Error: 'StepFunctions.ExecutionLimitExceeded', Cause: 'Maximum open executions reached' },
    };
    expect(childFailureRecords(output)[0]!.reason).toBe(
      'the child state machine part-01 ended before this task did: StepFunctions.ExecutionLimitExceeded: Maximum open executions reached',
    );
    expect(childFailureRecords({ ctx: {}, tasks: { a: given('part-01') } })).toEqual([]);
    expect(childFailureRecords(null)).toEqual([]);
  });
});
