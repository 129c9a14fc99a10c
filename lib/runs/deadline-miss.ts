import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import type { DeadlineMissEvent } from './deadline-schedule.ts';

export interface DeadlineMissDeps {
  readonly dynamo: DynamoDBClient;
  readonly runsTable: string;
  readonly sns: SNSClient;
  readonly alertsTopicArn: string;
  readonly now?: () => Date;
}

export interface DeadlineMissResult {
  /** The run had not ended by its deadline (now, or an earlier call that recorded it). */
  readonly missed: boolean;
  /** This call recorded the miss (count it once). */
  readonly recorded: boolean;
  /** This call published the alert. */
  readonly alerted: boolean;
}

/**
 * A run's deadline came (its schedule fired, or the recorder saw it end after the deadline): when the run had not
 * ended by then, the miss is recorded on the run (`deadlineMissedAt`, `deadline`) and, if asked, published. The
 * decision is one conditional write, so a run that ends at the same moment is either in time or missed, never
 * both. The alert is noted (`deadlineAlertedAt`) after it is sent: a retried call sends one that was not.
 * A run-level callback on a miss (when DAG callbacks land) is one more call beside the alert, when `recorded`.
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
  if (!miss.alert || attributes?.deadlineAlertedAt?.S !== undefined) return { missed: true, recorded, alerted: false };
  await deps.sns.send(new PublishCommand({ TopicArn: deps.alertsTopicArn, ...deadlineAlertText(miss) }));
  await deps.dynamo.send(
    new UpdateItemCommand({
      TableName: deps.runsTable,
      Key: key,
      UpdateExpression: 'SET deadlineAlertedAt = :now',
      ExpressionAttributeValues: { ':now': { S: now.toISOString() } },
    }),
  );
  return { missed: true, recorded, alerted: true };
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
