import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from './conditional-write.ts';
import { type DagRecord, LATEST, withoutPause } from './dag-record.ts';

/**
 * The pause mark of a deployed DAG, on the LATEST item of the dags table (attributes `pausedAt`, `pausedFires`,
 * `lastPausedFire`, beside the record's JSON; see `DagRecord.pausedAt`). Every write names the item it expects,
 * so a DAG that is not deployed gets nothing written.
 */

/**
 * Marks the DAG paused and writes `record` (the same record with the catchup mark it keeps while paused) in one
 * write, on condition that the stored JSON is still `expected`'s: a dag-sync that wrote meanwhile makes this
 * answer false, and the caller reads again. The count of skipped fires starts again from zero.
 */
export async function markPaused(
  dynamo: DynamoDBClient,
  table: string,
  expected: DagRecord,
  record: DagRecord,
  at: Date,
): Promise<boolean> {
  return conditionally(() =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: latestKey(expected.dagId),
        UpdateExpression: 'SET #record = :record, pausedAt = :at REMOVE pausedFires, lastPausedFire',
        ConditionExpression: '#record = :expected',
        ExpressionAttributeNames: { '#record': 'record' },
        ExpressionAttributeValues: {
          ':record': { S: JSON.stringify(withoutPause(record)) },
          ':expected': { S: JSON.stringify(withoutPause(expected)) },
          ':at': { S: at.toISOString() },
        },
      }),
    ),
  );
}

/** Clears the pause mark and the count of skipped fires; false when the DAG is not deployed. */
export async function markUnpaused(dynamo: DynamoDBClient, table: string, dagId: string): Promise<boolean> {
  return conditionally(() =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: latestKey(dagId),
        UpdateExpression: 'REMOVE pausedAt, pausedFires, lastPausedFire',
        ConditionExpression: 'attribute_exists(#record)',
        ExpressionAttributeNames: { '#record': 'record' },
      }),
    ),
  );
}

/**
 * Counts a schedule fire the trigger skipped because the DAG is paused (what `airstep list` shows). Only while
 * it is paused: a DAG unpaused meanwhile gets nothing counted (false).
 */
export async function countPausedFire(
  dynamo: DynamoDBClient,
  table: string,
  dagId: string,
  scheduledTime: string,
): Promise<boolean> {
  return conditionally(() =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: latestKey(dagId),
        UpdateExpression: 'ADD pausedFires :one SET lastPausedFire = :time',
        ConditionExpression: 'attribute_exists(pausedAt)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':time': { S: scheduledTime } },
      }),
    ),
  );
}

function latestKey(dagId: string) {
  return { dagId: { S: dagId }, version: { S: LATEST } };
}

async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}
