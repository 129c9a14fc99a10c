import type { AslState, TaskState } from './asl-types.ts';
import type { TaskIR } from './ir.ts';
import { placeholder } from './placeholders.ts';
import { STATE_SUFFIX } from './worker-contract.ts';

/**
 * The live task-instance record of a task no Airstep worker runs (a native step, an `awsSdk` or Lambda step,
 * `triggerDag`, `empty`, `wait`, `latestOnly`, the S3 and external-task sensors). A worker writes its tries'
 * records as they happen (lib/worker/try-records.ts); for these tasks the state machine writes the record itself
 * as the task ends, so an `externalTaskSensor` in another DAG (which reads this item) sees the task's state while
 * its run is still going, not only when the recorder writes every record at run end.
 *
 * The item and key are the worker's and the recorder's (`<dagId>#<runId>`, `<taskId>#-1`): the state, the ids,
 * the end time and the execution. The recorder's end-of-run write (lib/runs/final-task-record.ts) is an update of
 * the same item: it adds what only the run's end knows (tries, error, `final`) and keeps these fields.
 */

/** Whether an Airstep worker runs the task (and so writes its record), as the manifest's worker tasks are chosen. */
export function runByWorker(task: TaskIR): boolean {
  return task.kind === 'code' || task.kind === 'container' || task.kind === 'poll_sensor';
}

/**
 * The `dynamodb:updateItem` state every exit of such a task passes through (success, failed, skipped, and the
 * not-run records `skipped` and `upstream_failed`), reading the state from the task's record in the payload; with
 * the Pass state its Catch goes to when it ends a Parallel branch (a Catch needs a state to go to).
 *
 * - A record the recorder already made final for this execution is left alone (a worker's write has the same
 *   condition): within one execution that cannot happen, as the recorder writes after the execution ended, but a
 *   record final for an earlier execution of the run (a cleared run's next execution) is written over, as a
 *   worker's try is. The failed condition is caught with every other error.
 * - A write that still fails after its retries is dropped, never failing the run: the record is a view for
 *   sensors and `tasks --stack`, and the recorder writes the task's state at run end whatever happened here.
 *   (`States.Runtime` is never caught, but every path here has the task's record and the context fields.)
 */
export function taskInstanceWriteStates(
  dagId: string,
  task: TaskIR,
  /** The task's state name. */
  taskName: string,
  /** The state after the write, or undefined when the write ends its branch. */
  next: string | undefined,
): Array<[string, AslState]> {
  const name = `${taskName}${STATE_SUFFIX.recorded}`;
  const lost = `${taskName}${STATE_SUFFIX.recordLost}`;
  // Short placeholders: one of these is in the definition for each such task (its size is a quota).
  const write: TaskState = {
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:updateItem',
    Parameters: {
      TableName: placeholder.taskInstancesTable,
      // DAG and task ids have no character States.Format or a key treats specially (DAG_ID, TASK_ID).
      Key: {
        runKey: { 'S.$': `States.Format('${dagId}#{}', $.ctx.runId)` },
        taskKey: { S: `${task.id}#-1` },
      },
      UpdateExpression: 'SET #s = :s, taskId = :t, mapIndex = :m, endedAt = :a, executionArn = :e',
      // A record final for every execution (no finalExecutionArn) takes nothing: `<>` alone would let it through.
      ConditionExpression:
        'attribute_not_exists(#f) OR (attribute_exists(finalExecutionArn) AND finalExecutionArn <> :e)',
      ExpressionAttributeNames: { '#s': 'state', '#f': 'final' },
      ExpressionAttributeValues: {
        ':s': { 'S.$': `$.tasks.${task.key}.state` },
        ':t': { S: task.id },
        ':m': { N: '-1' },
        // When this state was entered: the moment the task ended.
        ':a': { 'S.$': '$$.State.EnteredTime' },
        // A split DAG's child reads the run's execution here instead (run-execution-keys.ts rewrites it).
        ':e': { 'S.$': '$$.Execution.Id' },
      },
    },
    ResultPath: null,
    Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: 2 }],
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next ?? lost }],
    ...(next !== undefined ? { Next: next } : { End: true }),
  };
  return next !== undefined
    ? [[name, write]]
    : [
        [name, write],
        [lost, { Type: 'Pass', End: true }],
      ];
}
