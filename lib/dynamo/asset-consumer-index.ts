import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import type { DagRecord } from './dag-record.ts';
import { queryAll } from './dynamo-pages.ts';

/**
 * Which DAGs consume an asset, as items of the dags table keyed for the trigger's one Query per event: `{ dagId:
 * asset-consumer#<uri>, version: consumer#<dag id> }`, one per (asset named by a live DAG's condition, DAG). Kept
 * by `writeDagRecord` (every write of a DAG's LATEST record: deploy, redeploy, disable): the assets its new record
 * names are put, those only its old record named are deleted. The trigger still reads each consumer's record and
 * serves it only when it is live and its condition names the asset, so an item left behind (a write that stopped
 * between the two) starts nothing; the next write of that DAG removes it. (DAG ids cannot hold `#`, and no item
 * here has version `LATEST`, so the DAG list's Scan never sees them.)
 */
const PARTITION_PREFIX = 'asset-consumer#';
const SORT_PREFIX = 'consumer#';

/** The asset URIs a record makes its DAG consume: none when disabled or not scheduled on assets. */
export function consumedUris(record: Pick<DagRecord, 'assets' | 'disabled'> | undefined): Set<string> {
  const uris = new Set<string>();
  if (record === undefined || record.disabled || record.assets === undefined) return uris;
  const visit = (node: AssetConditionIR) => {
    if (node.kind === 'asset') uris.add(node.uri);
    else for (const child of node.of) visit(child);
  };
  visit(record.assets);
  return uris;
}

/** The key of the index item saying `dagId` consumes `uri`. */
export const consumerItemKey = (uri: string, dagId: string): Record<string, AttributeValue> => ({
  dagId: { S: `${PARTITION_PREFIX}${uri}` },
  version: { S: `${SORT_PREFIX}${dagId}` },
});

/** Makes the index say what `record` consumes, given what `previous` (the LATEST record it replaced) did. */
export async function syncAssetConsumerIndex(
  dynamo: DynamoDBClient,
  table: string,
  record: Pick<DagRecord, 'dagId' | 'assets' | 'disabled'>,
  previous: Pick<DagRecord, 'assets' | 'disabled'> | undefined,
): Promise<void> {
  const now = consumedUris(record);
  const before = consumedUris(previous);
  for (const uri of now) {
    // Put even when it was there: a write that stopped before it is mended by the next one.
    await dynamo.send(new PutItemCommand({ TableName: table, Item: consumerItemKey(uri, record.dagId) }));
  }
  for (const uri of before) {
    if (!now.has(uri))
      await dynamo.send(new DeleteItemCommand({ TableName: table, Key: consumerItemKey(uri, record.dagId) }));
  }
}

/** The ids of the DAGs indexed as consumers of the asset (one Query; their records say whether they still are). */
export async function indexedConsumers(dynamo: DynamoDBClient, table: string, uri: string): Promise<string[]> {
  const items = await queryAll(dynamo, {
    TableName: table,
    KeyConditionExpression: 'dagId = :asset',
    ExpressionAttributeValues: { ':asset': { S: `${PARTITION_PREFIX}${uri}` } },
    ConsistentRead: true,
  });
  return items
    .map((item) => item.version?.S ?? '')
    .filter((version) => version.startsWith(SORT_PREFIX))
    .map((version) => version.slice(SORT_PREFIX.length))
    .sort();
}
