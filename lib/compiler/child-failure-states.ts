import type { AslState, Catcher, Retrier } from './asl-types.ts';
import { placeholder } from './placeholders.ts';
import { CHILD_ENDED_FIELD, RELEASE_KIND } from './worker-contract.ts';

export { CHILD_ENDED_FIELD, RELEASE_KIND };

/**
 * What a split DAG's parent (parent-child-machines.ts) does when a child execution does not succeed on its own:
 * a task failing inside a child is caught there and recorded, but the child itself may fail (an error no Catch
 * takes, e.g. `States.Runtime` from an `expand` over a value that is no list), be stopped by someone, time out,
 * or never start (`StepFunctions.ExecutionLimitExceeded` after the retries below). Then `.sync:2` fails the
 * parent's step, and without a Catch the Parallel around every child fails: the run ends without its records,
 * and the other children wait at their gates for tasks of the dead child that will never signal.
 *
 * So the step's Catch leads to two states: a record for every task of that child, `failed` with the child's error
 * (worker and history records of tasks that ended before the child died are kept by whoever reads the run:
 * lib/runs/child-failure-records.ts, lib/local/child-failure-records.ts), and one `release` message on the control
 * queue that signals that record for each of the child's tasks a gate in another child waits for, unless the task
 * signalled already. Gates then open as after any failure, and each waiting task's trigger rule decides as Airflow
 * does (`upstream_failed` under `all_success`, runs under `all_done` or `one_failed`). The branch then ends as a
 * child would have, and the parent decides the run's result from the leaves.
 */

/**
 * Retries of a child's start. `StepFunctions.ExecutionLimitExceeded`: the account's open executions are at their
 * quota, and AWS's page on starting executions from a state machine says to retry on it; `ThrottlingException`:
 * StartExecution's token bucket is empty (Step Functions' common errors). The bare names too, as emulators drop
 * the service prefix. Backoff from 2 s doubling to at most 5 minutes, with full jitter so children of many runs
 * do not retry in step: about 20 minutes of tries in all before the child counts as failed.
 */
export const CHILD_START_RETRY: Retrier = {
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
};

/** Where the caught `{ Error, Cause }` of the child's step goes, and the record made from it once. */
const CHILD_ERROR = '$.childError';
const CHILD_RECORD = '$.childRecord';

export interface ChildFailureInput {
  readonly dagId: string;
  /** The child's name (`part-01`) and the state that starts it (`run:part-01`). */
  readonly child: string;
  readonly startState: string;
  /** Payload keys of the child's tasks, in task id order. */
  readonly keys: readonly string[];
  /** The child's tasks that a gate in another child waits for, sorted. */
  readonly awaited: readonly string[];
}

/** The Catch of a child's start and the states it leads to (names prefixed with the start state's). */
export function childFailureStates(input: ChildFailureInput): {
  readonly catcher: Catcher;
  readonly states: Record<string, AslState>;
} {
  const recordState = `${input.startState}:failed`;
  const tasksState = `${input.startState}:records`;
  const releaseState = `${input.startState}:release`;
  const states: Record<string, AslState> = {
    // One record for every task: built once, each task's entry a reference to it (a copy per task in the
    // definition would be a few hundred bytes times thousands of tasks).
    [recordState]: {
      Type: 'Pass',
      Parameters: {
        state: 'failed',
        output: null,
        error: {
          'Error.$': `${CHILD_ERROR}.Error`,
          Cause: `the child state machine ${input.child} of this run failed, timed out, was stopped or did not start before this task ended; the run's ${input.startState} step has its error`,
        },
        [CHILD_ENDED_FIELD]: input.child,
      },
      ResultPath: CHILD_RECORD,
      Next: input.awaited.length > 0 ? releaseState : tasksState,
    },
    [tasksState]: {
      Type: 'Pass',
      // What the child's step answers when it succeeds (its ResultSelector): the run context and its tasks' records.
      Parameters: {
        'ctx.$': '$.ctx',
        tasks: Object.fromEntries(input.keys.map((key) => [`${key}.$`, CHILD_RECORD])),
        // Kept beside the records for whoever reads this state's exit (the local engine names the child's own
        // error in each record); the parent's Parallel keeps only `ctx` and `tasks`.
        [`${CHILD_ERROR.slice(2)}.$`]: CHILD_ERROR,
      },
      End: true,
    },
  };
  if (input.awaited.length > 0) {
    states[releaseState] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: {
        QueueUrl: placeholder.controlQueueUrl,
        MessageBody: {
          kind: RELEASE_KIND,
          dagId: input.dagId,
          'executionArn.$': '$$.Execution.Id',
          taskIds: [...input.awaited],
          'record.$': CHILD_RECORD,
        },
      },
      ResultPath: null,
      // A lost release would leave other children's gates waiting: retry hard; failing the branch then ends the
      // run (the Parallel stops the other children) rather than leave it hanging.
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 }],
      Next: tasksState,
    };
  }
  return { catcher: { ErrorEquals: ['States.ALL'], ResultPath: CHILD_ERROR, Next: recordState }, states };
}
