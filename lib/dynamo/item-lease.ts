import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from './conditional-write.ts';

/**
 * A lease on one DynamoDB item (`leaseHolder`, `leaseUntil` in epoch ms): held by one caller at a time, so work
 * that reads, decides and writes in several steps (a deploy, an admission) is never interleaved with another
 * caller's. Taken when free, expired (its holder died: a lease lasts as long as the holder's Lambda may run) or
 * already the caller's; the caller waits up to `waitMs` for it.
 */
export interface ItemLease {
  readonly dynamo: DynamoDBClient;
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  readonly holder: string;
  readonly seconds: number;
  readonly waitMs: number;
  /** The error to throw when the lease is still held after `waitMs`. */
  readonly busy: () => Error;
}

const POLL_MS = 250;

export async function takeLease(lease: ItemLease): Promise<void> {
  const deadline = Date.now() + lease.waitMs;
  for (;;) {
    const now = Date.now();
    try {
      await lease.dynamo.send(
        new UpdateItemCommand({
          TableName: lease.table,
          Key: lease.key,
          UpdateExpression: 'SET leaseHolder = :me, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseHolder = :me',
          ExpressionAttributeValues: {
            ':me': { S: lease.holder },
            ':until': { N: String(now + lease.seconds * 1000) },
            ':now': { N: String(now) },
          },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
    if (Date.now() >= deadline) throw lease.busy();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Gives the lease back; one that expired and was taken by another is theirs, and is left alone. */
export async function releaseLease(lease: Pick<ItemLease, 'dynamo' | 'table' | 'key' | 'holder'>): Promise<void> {
  try {
    await lease.dynamo.send(
      new UpdateItemCommand({
        TableName: lease.table,
        Key: lease.key,
        UpdateExpression: 'REMOVE leaseHolder, leaseUntil',
        ConditionExpression: 'leaseHolder = :me',
        ExpressionAttributeValues: { ':me': { S: lease.holder } },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
}

/** Runs `work` holding the lease, and gives it back however `work` ends. */
export async function withLease<T>(lease: ItemLease, work: () => Promise<T>): Promise<T> {
  await takeLease(lease);
  try {
    return await work();
  } finally {
    await releaseLease(lease);
  }
}
