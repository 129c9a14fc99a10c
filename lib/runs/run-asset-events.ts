import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { assetEventExpiry } from '../compiler/asset-event-retention.ts';
import { queryAll } from '../dynamo/dynamo-pages.ts';
import { RUNS_TTL_ATTRIBUTE } from '../stack-contract/asset-event-retention.ts';
import type { StoredAssetEvent } from './asset-event-store.ts';

/**
 * The asset events a deployed run's tasks recorded, found by their run: `airstep tasks <run> --stack --json` carries
 * them as `assetEvents`, as a local `airstep run --json` does. One more item of the runs table per event from a
 * run (`{ asset-run#<dag id>, <run id>#<event id> }`, the event as recorded; DAG ids cannot hold `#`), written by
 * the trigger as it records the event, and expiring with it. Events from elsewhere (watchers, `assets emit`) have
 * no run and get none.
 */
const runPartition = (dagId: string) => `asset-run#${dagId}`;

/** Writes the event's by-run item (again on a redelivery: the same item). */
export async function recordRunAssetEvent(
  dynamo: DynamoDBClient,
  table: string,
  event: StoredAssetEvent,
  retentionDays: number,
): Promise<void> {
  if (event.sourceDagId === undefined || event.sourceRunId === undefined) return;
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        dagId: { S: runPartition(event.sourceDagId) },
        runId: { S: `${event.sourceRunId}#${event.id}` },
        event: { S: JSON.stringify(event) },
        [RUNS_TTL_ATTRIBUTE]: { N: String(assetEventExpiry(event.timestamp, retentionDays)) },
      },
    }),
  );
}

/** The events recorded for a run, in the order of their ids (their timestamps). */
export async function runAssetEvents(
  dynamo: DynamoDBClient,
  table: string,
  run: { readonly dagId: string; readonly runId: string },
): Promise<StoredAssetEvent[]> {
  const items = await queryAll(dynamo, {
    TableName: table,
    KeyConditionExpression: 'dagId = :run AND begins_with(#event, :prefix)',
    ExpressionAttributeNames: { '#event': 'runId' },
    ExpressionAttributeValues: { ':run': { S: runPartition(run.dagId) }, ':prefix': { S: `${run.runId}#` } },
  });
  return items
    .filter((item) => item.event?.S !== undefined)
    .map((item) => JSON.parse(item.event!.S!) as StoredAssetEvent)
    .filter((event) => event.sourceRunId === run.runId);
}
