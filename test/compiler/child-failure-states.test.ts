import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { dbtLikeDag } from '../../dags/_shared/dbt-like-graph.ts';
import type { AslState, ParallelState, PassState, TaskState } from '../../lib/compiler/asl-types.ts';
import { CHILD_ENDED_FIELD, CHILD_START_RETRY, RELEASE_KIND } from '../../lib/compiler/child-failure-states.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { LIMITS } from '../../lib/compiler/limits.ts';
import { dag } from '../../lib/index.ts';

const EVERY_TASK_ITS_OWN = { definitionBytes: 1, historyEvents: 1 };

function branchesOf(definition: { States: Record<string, AslState> }) {
  return (definition.States['run:parts'] as ParallelState).Branches;
}

describe('Function: childFailureStates (a split run whose child fails on its own)', () => {
  it("retries a child's start on ExecutionLimitExceeded and throttling, prefixed and bare, with capped, jittered backoff", () => {
    expect(CHILD_START_RETRY).toEqual({
      ErrorEquals: [
        'StepFunctions.ExecutionLimitExceeded',
        'ExecutionLimitExceeded',
        'StepFunctions.ThrottlingException',
        'ThrottlingException',
      ],
      IntervalSeconds: 2,
      MaxAttempts: 10,
      BackoffRate: 2,
      MaxDelaySeconds: 300,
      JitterStrategy: 'FULL',
    });
    // Not retried: a child that ran and failed (States.TaskFailed) would run its tasks again.
    expect(CHILD_START_RETRY.ErrorEquals).not.toContain('States.TaskFailed');
    expect(CHILD_START_RETRY.ErrorEquals).not.toContain('States.ALL');
  });

  it("catches the child's failure into one failed record for each of its tasks, and releases the tasks other children wait for", () => {
    const d = dag({ id: 'two_children' });
    const a = d.task('a', async () => 1);
    const inner = d.task('inner', async () => 2).after(a);
    d.task('b', async () => 3).after(a);
    d.task('c', async () => 4).after(inner);
    const { definition, children, problems } = compileDag(d, {
      splitAt: { definitionBytes: 4_000, historyEvents: 1e6 },
    });
    expect(problems).toEqual([]);
    expect(children!.map((child) => child.taskIds)).toEqual([
      ['a', 'b'],
      ['c', 'inner'],
    ]);
    expect(aslValidator(structuredClone(definition) as never).isValid).toBe(true);
    const [first, second] = branchesOf(definition!);
    const start = first!.States['run:part-01'] as TaskState;
    expect(start.Retry).toEqual([CHILD_START_RETRY]);
    expect(start.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.childError', Next: 'run:part-01:failed' },
    ]);
    expect(first!.States['run:part-01:failed']).toEqual({
      Type: 'Pass',
      Parameters: {
        state: 'failed',
        output: null,
        error: {
          'Error.$': '$.childError.Error',
          Cause:
            "the child state machine part-01 of this run failed, timed out, was stopped or did not start before this task ended; the run's run:part-01 step has its error",
        },
        [CHILD_ENDED_FIELD]: 'part-01',
      },
      ResultPath: '$.childRecord',
      Next: 'run:part-01:release',
    });
    // Only `a` has a task in the other child downstream (`inner`): only it is released.
    expect(first!.States['run:part-01:release']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: {
        QueueUrl: '${ControlQueueUrl}',
        MessageBody: {
          kind: RELEASE_KIND,
          dagId: 'two_children',
          'executionArn.$': '$$.Execution.Id',
          taskIds: ['a'],
          'record.$': '$.childRecord',
        },
      },
      ResultPath: null,
      Next: 'run:part-01:records',
    });
    expect(first!.States['run:part-01:records']).toEqual({
      Type: 'Pass',
      Parameters: {
        'ctx.$': '$.ctx',
        tasks: { 'a.$': '$.childRecord', 'b.$': '$.childRecord' },
        'childError.$': '$.childError',
      },
      End: true,
    });
    // The last child: no task of it is waited for elsewhere, so nothing to release.
    expect(second!.States['run:part-02:release']).toBeUndefined();
    expect((second!.States['run:part-02:failed'] as { Next: string }).Next).toBe('run:part-02:records');
  });

  it("keeps the parent of the 2,000-model dbt-like DAG within Step Functions' limits", () => {
    const compiled = compileDag(dbtLikeDag('dbt_2000', 2_000));
    expect(compiled.problems).toEqual([]);
    expect(compiled.children!.length).toBeGreaterThanOrEqual(2);
    const parentBytes = Buffer.byteLength(compiled.asl!, 'utf8');
    expect(parentBytes).toBeLessThan(LIMITS.definitionBytes);
    // Every model is in exactly one child's records.
    const recorded = branchesOf(compiled.definition!).flatMap((branch, i) => {
      const records = branch.States[`run:part-${String(i + 1).padStart(2, '0')}:records`] as PassState;
      return Object.keys(records.Parameters!.tasks as object);
    });
    expect(recorded).toHaveLength(2_000);
  });

  it('gives a child with every task its own machine the same states', () => {
    const d = dag({ id: 'chain' });
    d.task('x', async () => 1).then(d.task('y', async () => 2));
    const { definition } = compileDag(d, { splitAt: EVERY_TASK_ITS_OWN });
    const names = branchesOf(definition!).map((branch) => Object.keys(branch.States).sort());
    expect(names).toEqual([
      ['run:part-01', 'run:part-01:failed', 'run:part-01:records', 'run:part-01:release'],
      ['run:part-02', 'run:part-02:failed', 'run:part-02:records'],
    ]);
  });
});
