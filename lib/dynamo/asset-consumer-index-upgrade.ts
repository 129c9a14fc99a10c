import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { consumedUris, consumerItemKey } from './asset-consumer-index.ts';
import type { DagRecord } from './dag-record.ts';
import { scanAll } from './dynamo-pages.ts';

/**
 * The consumer index (asset-consumer-index.ts) came after the DAG records: a stack upgraded from an Airstep
 * without it has consumers whose records no write has indexed yet. The trigger builds the missing items once,
 * before it looks up an asset's consumers, so the upgrade needs no step of the user's: a marker item in the dags
 * table says it was done (DAG ids cannot hold `#`, and its version is not `LATEST`, so the DAG list never sees it).
 */
const MARKER_KEY: Record<string, AttributeValue> = {
  dagId: { S: 'asset-consumer-index#' },
  version: { S: 'built-v1' },
};

/** Index items a transaction writes beside the check of their record (DynamoDB takes 100 actions at most). */
const ITEMS_PER_TRANSACTION = 99;

/** How often a transaction another one conflicted with (two triggers building at once) is tried. */
const CONFLICT_TRIES = 4;

/** Tables this container found built: the marker is read once per container, not per event. */
const built = new Set<string>();

/**
 * Makes sure every live DAG record of `table` has its consumer index items: a no-op (one GetItem, then none per
 * container) once the marker is there; else one Scan of the records and their items written, then the marker.
 * Idempotent and safe beside dag-sync and other triggers (see `indexRecords`). Answers how many records it indexed.
 */
export async function ensureConsumerIndex(dynamo: DynamoDBClient, table: string, now: Date): Promise<number> {
  if (built.has(table)) return 0;
  const marker = await dynamo.send(new GetItemCommand({ TableName: table, Key: MARKER_KEY, ConsistentRead: true }));
  if (marker.Item !== undefined) {
    built.add(table);
    return 0;
  }
  const records = await scanAll(dynamo, {
    TableName: table,
    FilterExpression: '#version = :latest',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':latest': { S: 'LATEST' } },
  });
  const indexed = await indexRecords(dynamo, table, records, now);
  await dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: MARKER_KEY,
      UpdateExpression: 'SET builtAt = :at',
      ExpressionAttributeValues: { ':at': { S: now.toISOString() } },
    }),
  );
  built.add(table);
  return indexed;
}

/**
 * Writes the index items of each consuming record among `items` (LATEST items as a Scan read them), each only
 * while its record is still the one read: a ConditionCheck of the record's JSON and the items' writes in one
 * transaction. A record rewritten meanwhile (dag-sync deploying or disabling it) is left to its writer, which
 * keeps the index for what it wrote; so no item is ever written for a condition the DAG no longer has. Answers
 * how many records it indexed.
 */
export async function indexRecords(
  dynamo: DynamoDBClient,
  table: string,
  items: readonly Record<string, AttributeValue>[],
  now: Date,
): Promise<number> {
  let indexed = 0;
  for (const item of items) {
    const json = item.record?.S;
    const dagId = item.dagId?.S;
    if (json === undefined || dagId === undefined) continue;
    const uris = [...consumedUris(JSON.parse(json) as Pick<DagRecord, 'assets' | 'disabled'>)].sort();
    if (uris.length === 0) continue;
    let current = true;
    for (let i = 0; i < uris.length && current; i += ITEMS_PER_TRANSACTION) {
      current = await writeWhileCurrent(dynamo, table, dagId, json, uris.slice(i, i + ITEMS_PER_TRANSACTION), now);
    }
    if (current) indexed += 1;
  }
  return indexed;
}

/** One transaction: the record still `json`, then the items. False when the record changed (nothing written). */
async function writeWhileCurrent(
  dynamo: DynamoDBClient,
  table: string,
  dagId: string,
  json: string,
  uris: readonly string[],
  now: Date,
): Promise<boolean> {
  const check: TransactWriteItem = {
    ConditionCheck: {
      TableName: table,
      Key: { dagId: { S: dagId }, version: { S: 'LATEST' } },
      ConditionExpression: '#record = :record',
      ExpressionAttributeNames: { '#record': 'record' },
      ExpressionAttributeValues: { ':record': { S: json } },
    },
  };
  // An Update, not a Put: the trigger's role writes dags-table items by UpdateItem only.
  const writes: TransactWriteItem[] = uris.map((uri) => ({
    Update: {
      TableName: table,
      Key: consumerItemKey(uri, dagId),
      UpdateExpression: 'SET indexedAt = :at',
      ExpressionAttributeValues: { ':at': { S: now.toISOString() } },
    },
  }));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dynamo.send(new TransactWriteItemsCommand({ TransactItems: [check, ...writes] }));
      return true;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      // Another trigger building the same items at the same moment: its writes are the same; try again.
      if (!reasons.some((reason) => reason.Code === 'TransactionConflict') || attempt >= CONFLICT_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
