import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RunContext } from '../compiler/worker-contract.ts';
import { type TaskRecordSummary, taskIdOf } from './run-records.ts';

/**
 * The recorder's end-of-run write of one task instance: the state the run's payload (or history) gives, marked
 * `final` so no later worker write lands on it (see lib/worker/try-records.ts). An update, not a put: the live
 * record's times, host and `tryEvents` (every try's phases) stay, so the ended run keeps each try's times; the token of a try that never ended is removed (the run is over, it answers
 * nothing).
 */
export function finalTaskRecord(
  table: string,
  ctx: Pick<RunContext, 'dagId' | 'runId'>,
  task: TaskRecordSummary,
  /**
   * The execution the record is final for: a cleared run's next execution (`airstep clear --stack`) may write
   * live records over it again (see tryRecordUpdate); without it the record is final for every execution.
   */
  executionArn?: string,
) {
  const taskId = taskIdOf(task);
  const mapIndex = String(task.mapIndex ?? -1);
  const set = ['#state = :state', 'taskId = :taskId', 'mapIndex = :mapIndex', '#final = :final'];
  const remove = ['#token'];
  const values: Record<string, AttributeValue> = {
    ':state': { S: task.state },
    ':taskId': { S: taskId },
    ':mapIndex': { N: mapIndex },
    ':final': { BOOL: true },
  };
  const optional = (name: string, placeholder: string, value: AttributeValue | undefined) => {
    if (value !== undefined) {
      set.push(`${name} = ${placeholder}`);
      values[placeholder] = value;
    } else remove.push(name);
  };
  // A payload record without a try (a failure caught before the record took it) keeps the worker's live try.
  if (task.try !== undefined) {
    set.push('tries = :tries');
    values[':tries'] = { N: String(task.try) };
  }
  optional('finalExecutionArn', ':finalArn', executionArn !== undefined ? { S: executionArn } : undefined);
  optional('#error', ':error', task.error !== undefined ? { S: task.error } : undefined);
  optional('errorMessage', ':errorMessage', task.errorMessage !== undefined ? { S: task.errorMessage } : undefined);
  optional('reason', ':reason', task.reason !== undefined ? { S: task.reason } : undefined);
  return {
    TableName: table,
    Key: { runKey: { S: `${ctx.dagId}#${ctx.runId}` }, taskKey: { S: `${taskId}#${mapIndex}` } },
    UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
    ExpressionAttributeNames: { '#state': 'state', '#final': 'final', '#token': 'token', '#error': 'error' },
    ExpressionAttributeValues: values,
  };
}
