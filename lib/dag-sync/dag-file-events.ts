import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import type { ItemLease } from '../dynamo/item-lease.ts';
import { AirstepError } from '../errors/airstep-error.ts';
import { orderKey } from './s3-event-order.ts';

/**
 * The newest S3 event dag-sync has taken for each DAG file, so an older one that arrives late (or a second
 * consumer of an older event) is ignored. Kept in the dags table beside the DAG records, as item
 * `{ dagId: 'file#<key>', version: 'FILE', sequencer }` (DAG ids cannot hold `#`, and readers of DAG records
 * ask for `version = LATEST` or a content hash).
 */
const FILE_ITEM_VERSION = 'FILE';
const fileItemKey = (file: string) => ({ dagId: { S: `file#${file}` }, version: { S: FILE_ITEM_VERSION } });

/**
 * Takes the event with `sequencer` for `file`: true unless a later event for the file was taken already. The
 * same event again (a redelivery) is taken again — handling it is idempotent.
 */
export async function takeFileEvent(
  dynamo: DynamoDBClient,
  table: string,
  file: string,
  sequencer: string,
): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: fileItemKey(file),
        UpdateExpression: 'SET sequencer = :seq',
        ConditionExpression: 'attribute_not_exists(sequencer) OR sequencer <= :seq',
        ExpressionAttributeValues: { ':seq': { S: orderKey(sequencer) } },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/** Whether the event with `sequencer` is still the newest taken for `file` (checked again before deploying). */
export async function isNewestFileEvent(
  dynamo: DynamoDBClient,
  table: string,
  file: string,
  sequencer: string,
): Promise<boolean> {
  const item = await dynamo.send(
    new GetItemCommand({ TableName: table, Key: fileItemKey(file), ConsistentRead: true }),
  );
  const newest = item.Item?.sequencer?.S;
  return newest === undefined || newest <= orderKey(sequencer);
}

/** Another dag-sync holds the file's lease past the wait: the event fails, and SQS delivers it again. */
export class FileBusyError extends AirstepError {
  override readonly name = 'FileBusyError';
  constructor(readonly file: string) {
    super(`${file}: another dag-sync is syncing this file; its event will be delivered again`, { code: 'FILE_BUSY' });
  }
}

/**
 * The lease that holds `file` for one dag-sync while it evaluates and deploys it, on the file's item: two Lambdas
 * with events of the same file (an upload soon after another) would otherwise interleave their deploy steps and
 * could leave the older content live.
 */
export function fileLease(
  dynamo: DynamoDBClient,
  table: string,
  file: string,
  options: { readonly holder: string; readonly seconds: number; readonly waitMs: number },
): ItemLease {
  return { dynamo, table, key: fileItemKey(file), ...options, busy: () => new FileBusyError(file) };
}
