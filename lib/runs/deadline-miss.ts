import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { RunContext } from '../compiler/worker-contract.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { deadlineCallbackMessage } from '../runtime/callback-messages.ts';
import { type CallbackDispatch, readManifest, sendCallback } from './callback-dispatch.ts';
import type { DeadlineMissEvent } from './deadline-schedule.ts';

export interface DeadlineMissDeps {
  readonly dynamo: DynamoDBClient;
  readonly runsTable: string;
  readonly sns: SNSClient;
  readonly alertsTopicArn: string;
  /**
   * Where the DAG's `deadline.callback` message goes (the control queue) and where the manifest that says the
   * DAG has one is read; with `sfn`, which reads the run's context from its execution. Without them none is sent.
   */
  readonly callbacks?: CallbackDispatch;
  readonly sfn?: SFNClient;
  readonly now?: () => Date;
}

export interface DeadlineMissResult {
  /** The run had not ended by its deadline (now, or an earlier call that recorded it). */
  readonly missed: boolean;
  /** This call recorded the miss (count it once). */
  readonly recorded: boolean;
  /** This call published the alert. */
  readonly alerted: boolean;
  /** The id of the deadline callback message this call sent (the DAG has a `deadline.callback`). */
  readonly callbackSent?: string;
}

/**
 * A run's deadline came (its schedule fired, or the recorder saw it end after the deadline): when the run had not
 * ended by then, the miss is recorded on the run (`deadlineMissedAt`, `deadline`) and, if asked, published. The
 * decision is one conditional write, so a run that ends at the same moment is either in time or missed, never
 * both. The alert is noted (`deadlineAlertedAt`) after it is sent: a retried call sends one that was not.
 * The DAG's `deadline.callback`, when its manifest says it has one, is sent to the worker as a callback message
 * the same way (`deadlineCallbackSentAt` noted after): a run not started yet (queued) has no execution to read
 * its context from, and gets none.
 */
export async function recordDeadlineMiss(miss: DeadlineMissEvent, deps: DeadlineMissDeps): Promise<DeadlineMissResult> {
  const now = deps.now?.() ?? new Date();
  const deadline = new Date(miss.deadline).toISOString();
  const key = { dagId: { S: miss.dagId }, runId: { S: miss.runId } };
  let attributes: Record<string, { S?: string }> | undefined;
  let recorded = false;
  try {
    const updated = await deps.dynamo.send(
      new UpdateItemCommand({
        TableName: deps.runsTable,
        Key: key,
        UpdateExpression: 'SET deadlineMissedAt = if_not_exists(deadlineMissedAt, :now), deadline = :deadline',
        // Not ended, or ended after the deadline; a run the trigger never recorded has nothing to miss.
        // ISO instants in UTC compare as strings.
        ConditionExpression: 'attribute_exists(runId) AND (attribute_not_exists(endedAt) OR endedAt > :deadline)',
        ExpressionAttributeValues: { ':now': { S: now.toISOString() }, ':deadline': { S: deadline } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    attributes = updated.Attributes;
    recorded = attributes?.deadlineMissedAt?.S === undefined;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return { missed: false, recorded: false, alerted: false };
    throw error;
  }
  const callbackSent =
    attributes?.deadlineCallbackSentAt?.S === undefined
      ? await sendDeadlineCallback(miss, attributes, deps)
      : undefined;
  const sent = callbackSent !== undefined ? { callbackSent } : {};
  if (!miss.alert || attributes?.deadlineAlertedAt?.S !== undefined) {
    return { missed: true, recorded, alerted: false, ...sent };
  }
  await deps.sns.send(new PublishCommand({ TopicArn: deps.alertsTopicArn, ...deadlineAlertText(miss) }));
  await deps.dynamo.send(
    new UpdateItemCommand({
      TableName: deps.runsTable,
      Key: key,
      UpdateExpression: 'SET deadlineAlertedAt = :now',
      ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
    }),
  );
  return { missed: true, recorded, alerted: true, ...sent };
}

/**
 * Sends the deadline callback of a run whose DAG version has one, then notes it on the run. Its context is the
 * one the run's tasks get, read from the execution's input (`$.ctx`); the worker calls it once per run (the
 * message id is the run's, kept in its idempotence record).
 */
async function sendDeadlineCallback(
  miss: DeadlineMissEvent,
  run: Record<string, { S?: string }> | undefined,
  deps: DeadlineMissDeps,
): Promise<string | undefined> {
  const executionArn = run?.executionArn?.S;
  const dagVersion = run?.dagVersion?.S;
  if (deps.callbacks === undefined || deps.sfn === undefined) return undefined;
  if (executionArn === undefined || dagVersion === undefined) return undefined;
  const manifest = await readManifest(deps.callbacks, miss.dagId, dagVersion);
  if (manifest?.deadlineCallback !== true) return undefined;
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  const ctx = (JSON.parse(execution.input ?? '{}') as { ctx?: RunContext }).ctx;
  if (ctx === undefined) return undefined;
  const message = deadlineCallbackMessage({ dagVersion, executionArn, ctx }, new Date(miss.deadline).toISOString());
  await sendCallback(deps.callbacks, message);
  await deps.dynamo.send(
    new UpdateItemCommand({
      TableName: deps.runsTable,
      Key: { dagId: { S: miss.dagId }, runId: { S: miss.runId } },
      UpdateExpression: 'SET deadlineCallbackSentAt = :now',
      ExpressionAttributeValues: { ':now': { S: (deps.now?.() ?? new Date()).toISOString() } },
    }),
  );
  return message.id;
}

/** The alert's subject (SNS: at most 100 printable ASCII characters) and message. */
export function deadlineAlertText(miss: DeadlineMissEvent): { Subject: string; Message: string } {
  const subject = `Airstep: ${miss.dagId} run missed its deadline`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  const message = [
    `DAG ${miss.dagId}, run ${miss.runId}: missed its deadline`,
    `deadline ${new Date(miss.deadline).toISOString()}; the run had not ended by then`,
  ].join('\n');
  return { Subject: subject, Message: message };
}
