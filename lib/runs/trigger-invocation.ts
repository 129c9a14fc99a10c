import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeadlineScheduling } from './deadline-schedule.ts';
import { type FailedEventMessage, reportFailedEvent } from './failed-events.ts';
import { isManualTrigger } from './trigger-event.ts';
import { type TriggerResult, type TriggerTables, triggerRun } from './trigger-run.ts';

export interface TriggerInvocationDeps {
  readonly tables: TriggerTables;
  /** The stack's failed-events queue. */
  readonly failedEventsQueueUrl: string;
  readonly clients: {
    readonly dynamo: DynamoDBClient;
    readonly sfn: SFNClient;
    readonly sqs: SQSClient;
    readonly deadlines?: DeadlineScheduling;
    /** Days recorded asset events are kept (asset-consumers.ts). */
    readonly assetEventRetentionDays?: number;
  };
}

/**
 * The trigger function's whole job: `triggerRun` for the event as it arrived, and a trace of every fire it
 * refuses or cannot read. Schedules invoke the function asynchronously, so nobody sees its answer: such a fire
 * (and any event that is not a manual trigger) is written to the failed-events queue with the reason, which
 * raises the alarm, and answered normally (throwing would only have Lambda retry the same refusal). A manual
 * trigger's caller (`airstep trigger`, a RequestResponse Invoke) gets the refusal as the answer and nothing is
 * queued: a mistyped DAG id is an answer, not a lost event. When the queue cannot be written, this throws
 * (`FailedEventUnreportedError`), so Lambda retries the invocation and then hands it to the function's own
 * dead-letter queue; so does any other error (DynamoDB or Step Functions unavailable).
 */
export async function answerTrigger(
  raw: unknown,
  now: Date,
  deps: TriggerInvocationDeps,
): Promise<{ readonly result: TriggerResult; readonly failedEvent?: FailedEventMessage }> {
  const result = await triggerRun(raw, deps.tables, now, deps.clients);
  if (result.outcome !== 'refused' || isManualTrigger(raw)) return { result };
  const failedEvent = await reportFailedEvent(deps.clients.sqs, deps.failedEventsQueueUrl, {
    source: 'trigger',
    at: now,
    code: result.code,
    problems: result.problems,
    event: raw,
  });
  return { result, failedEvent };
}
