import { LOCAL_CROSS_DAG } from './cross-dag-resources.ts';
import type { TaskCall } from './interpreter.ts';

/**
 * The write of a no-worker task's live record (lib/compiler/task-instance-write.ts): a `dynamodb:updateItem` on
 * the task-instances table, which the local engine stands in for with its store. The engine has already recorded
 * what the write carries: the task's state is taken from its record as that record's state exits (run-dag.ts),
 * before the write state is entered, and saved live to the store (record-run.ts), where a local
 * `externalTaskSensor` reads it (cross-dag-resources.ts). So the call is answered as DynamoDB answers an
 * UpdateItem without ReturnValues, once the key shows it is this table's write.
 */
export function isLocalTaskInstanceWrite(call: Pick<TaskCall, 'resource' | 'parameters'>): boolean {
  if (call.resource !== 'arn:aws:states:::dynamodb:updateItem') return false;
  const parameters = call.parameters as { TableName?: unknown; Key?: { runKey?: unknown; taskKey?: unknown } };
  return (
    parameters?.TableName === LOCAL_CROSS_DAG.taskInstancesTable &&
    parameters.Key?.runKey !== undefined &&
    parameters.Key.taskKey !== undefined
  );
}

/** DynamoDB's answer to an UpdateItem that returns no values. */
export const UPDATE_ITEM_ANSWER = {} as const;
