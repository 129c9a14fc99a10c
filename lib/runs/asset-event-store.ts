import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AssetEvent } from '../assets/asset-event.ts';
import { type ConsumerBook, newEventId } from '../assets/asset-queue.ts';
import { assetEventExpiry } from '../compiler/asset-event-retention.ts';
import { isConditionalCheckFailure } from '../dynamo/conditional-write.ts';
import { queryAll, scanAll } from '../dynamo/dynamo-pages.ts';
import { RUNS_TTL_ATTRIBUTE } from '../stack-contract/asset-event-retention.ts';
import type { AssetTriggerEvent } from './asset-trigger-event.ts';
import { recordRunAssetEvent } from './run-asset-events.ts';

/**
 * The deployed stack's asset events and consumer books, as items of tables the trigger already writes: no table
 * of their own to provision or grant.
 * - runs table (`dagId`, `runId`; never scanned, and the items lack the `byState` index's `state`):
 *   `{ asset-event#<eventId>, ASSET_EVENT }`, the event as first recorded, written under a condition, so a
 *   redelivered event (same `eventId`) is recorded once; `{ asset#<uri>, event#<id> }`, the same event, found by
 *   asset and time (`id` sorts by timestamp). (DAG ids cannot hold `#`.)
 * - dags table (`dagId`, `version`): `{ <consumer dag id>, ASSET_BOOK }`, what the consumer consumed
 *   (lib/assets/asset-queue.ts) and the run it claimed and has not yet seen started; `rev` counts writes, each
 *   conditional on the one read. One small item per consumer beside its DAG record.
 * Events expire (`expiresAt`, the runs table's TTL) as lib/compiler/asset-event-retention.ts says: the marker
 * and every by-asset item `retentionDays` after the event's timestamp, except each asset's newest by-asset item,
 * which gets its expiry only when a newer event of the asset is recorded.
 */

const EVENT_MARKER_VERSION = 'ASSET_EVENT';
export const ASSET_BOOK_VERSION = 'ASSET_BOOK';
export const ASSET_LEASE_VERSION = 'ASSET_LEASE';
const assetKey = (uri: string) => `asset#${uri}`;
const EVENT_PREFIX = 'event#';

/** An asset event as the trigger keeps it: the shared `AssetEvent` plus the producer's id of it. */
export type StoredAssetEvent = AssetEvent & { readonly eventId: string };

/**
 * Records the event once: the first delivery writes it (its timestamp, default `now`), a redelivery finds it and
 * answers the event as first recorded. The by-asset item is written after the marker on every delivery, so a
 * delivery that stopped between the two still leaves both.
 */
export async function recordAssetEvent(
  dynamo: DynamoDBClient,
  table: string,
  event: AssetTriggerEvent,
  now: Date,
  retentionDays: number,
): Promise<{ readonly event: StoredAssetEvent; readonly recorded: boolean }> {
  const timestamp = new Date(event.timestamp ?? now.toISOString()).toISOString();
  const fresh = {
    id: newEventId(new Date(timestamp), createHash('sha256').update(event.eventId).digest('hex').slice(0, 12)),
    eventId: event.eventId,
    uri: event.uri,
    timestamp,
    extra: event.extra ?? {},
    ...(event.sourceDagId !== undefined ? { sourceDagId: event.sourceDagId } : {}),
    ...(event.sourceTaskId !== undefined ? { sourceTaskId: event.sourceTaskId } : {}),
    ...(event.sourceRunId !== undefined ? { sourceRunId: event.sourceRunId } : {}),
    ...(event.sourceMapIndex !== undefined ? { sourceMapIndex: event.sourceMapIndex } : {}),
    ...(event.watcher !== undefined ? { watcher: event.watcher } : {}),
  } as StoredAssetEvent;
  const markerKey = { dagId: { S: `asset-event#${event.eventId}` }, runId: { S: EVENT_MARKER_VERSION } };
  let stored = fresh;
  let recorded = true;
  try {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        // A redelivery comes within EventBridge's and Lambda's retries (a day at most): the marker may expire.
        Item: {
          ...markerKey,
          event: { S: JSON.stringify(fresh) },
          [RUNS_TTL_ATTRIBUTE]: { N: String(assetEventExpiry(fresh.timestamp, retentionDays)) },
        },
        ConditionExpression: 'attribute_not_exists(dagId)',
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    recorded = false;
    const found = await dynamo.send(new GetItemCommand({ TableName: table, Key: markerKey, ConsistentRead: true }));
    stored = JSON.parse(found.Item!.event!.S!) as StoredAssetEvent;
  }
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        dagId: { S: assetKey(stored.uri) },
        runId: { S: `${EVENT_PREFIX}${stored.id}` },
        event: { S: JSON.stringify(stored) },
      },
    }),
  );
  // Found by its run too (`airstep tasks <run> --stack --json`).
  await recordRunAssetEvent(dynamo, table, stored, retentionDays);
  await expireSuperseded(dynamo, table, stored.uri, retentionDays);
  return { event: stored, recorded };
}

/**
 * Gives every by-asset item of the asset that has no expiry yet, except the newest, its expiry: the newest event
 * of an asset is kept until a newer one is recorded. Usually one item (the newest before this event); an event
 * recorded out of order (older timestamp) gets its own at once. Idempotent: a redelivery finds nothing to do.
 */
async function expireSuperseded(
  dynamo: DynamoDBClient,
  table: string,
  uri: string,
  retentionDays: number,
): Promise<void> {
  const open = await queryAll(dynamo, {
    TableName: table,
    KeyConditionExpression: 'dagId = :asset AND begins_with(#event, :prefix)',
    FilterExpression: 'attribute_not_exists(#expires)',
    ExpressionAttributeNames: { '#event': 'runId', '#expires': RUNS_TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ':asset': { S: assetKey(uri) }, ':prefix': { S: EVENT_PREFIX } },
  });
  const ids = open.map((item) => item.runId!.S!).sort();
  for (const runId of ids.slice(0, -1)) {
    const item = open.find((candidate) => candidate.runId!.S === runId)!;
    const { timestamp } = JSON.parse(item.event!.S!) as StoredAssetEvent;
    await dynamo
      .send(
        new UpdateItemCommand({
          TableName: table,
          Key: { dagId: { S: assetKey(uri) }, runId: { S: runId } },
          UpdateExpression: 'SET #expires = :at',
          // Only an item still there (TTL may have removed it meanwhile): never recreate a deleted event.
          ConditionExpression: 'attribute_exists(runId)',
          ExpressionAttributeNames: { '#expires': RUNS_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':at': { N: String(assetEventExpiry(timestamp, retentionDays)) } },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailure(error)) throw error;
      });
  }
}

/** The events recorded on an asset whose id is at or after `since`, oldest first. */
export async function assetEventsSince(
  dynamo: DynamoDBClient,
  table: string,
  uri: string,
  since: string,
): Promise<StoredAssetEvent[]> {
  const items = await queryAll(dynamo, {
    TableName: table,
    KeyConditionExpression: 'dagId = :asset AND #event >= :from',
    ExpressionAttributeNames: { '#event': 'runId' },
    ExpressionAttributeValues: { ':asset': { S: assetKey(uri) }, ':from': { S: `${EVENT_PREFIX}${since}` } },
  });
  return items
    .filter((item) => item.runId?.S?.startsWith(EVENT_PREFIX) === true && item.event?.S !== undefined)
    .map((item) => JSON.parse(item.event!.S!) as StoredAssetEvent);
}

/** A run a consumer's book claimed (its events are consumed) that the trigger has not yet seen started. */
export interface PendingAssetRun {
  /** Its trigger time: the run's logical date, and so its run id. */
  readonly at: string;
  readonly triggering: Readonly<Record<string, readonly AssetEvent[]>>;
}

/** A consumer's book as kept: the shared book, the asset start it was made for, and a claimed run. */
export interface StoredBook {
  readonly book: ConsumerBook;
  /** The DAG record's `assetsSince` the book was made for: a DAG that stopped and started consuming gets a new one. */
  readonly assetsSince: string;
  readonly pending?: PendingAssetRun;
  /** The last claimed run's trigger time: the next one is later, so two runs never share a run id. */
  readonly lastRunAt?: string;
}

/** The consumer's book and its revision (0: none yet). */
export async function readBook(
  dynamo: DynamoDBClient,
  table: string,
  dagId: string,
): Promise<{ readonly stored?: StoredBook; readonly rev: number }> {
  const found = await dynamo.send(
    new GetItemCommand({
      TableName: table,
      Key: { dagId: { S: dagId }, version: { S: ASSET_BOOK_VERSION } },
      ConsistentRead: true,
    }),
  );
  const item: Record<string, AttributeValue> | undefined = found.Item;
  if (item?.book?.S === undefined) return { rev: 0 };
  return { stored: JSON.parse(item.book.S) as StoredBook, rev: Number(item.rev?.N ?? '0') };
}

/**
 * Writes the book if it is still at `rev` (nobody wrote it since it was read); returns the new revision, or
 * undefined when another writer got there first.
 */
export async function writeBook(
  dynamo: DynamoDBClient,
  table: string,
  dagId: string,
  stored: StoredBook,
  rev: number,
): Promise<number | undefined> {
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { dagId: { S: dagId }, version: { S: ASSET_BOOK_VERSION } },
        UpdateExpression: 'SET #book = :book, #rev = :next',
        ConditionExpression: rev === 0 ? 'attribute_not_exists(#rev)' : '#rev = :rev',
        ExpressionAttributeNames: { '#book': 'book', '#rev': 'rev' },
        ExpressionAttributeValues: {
          ':book': { S: JSON.stringify(stored) },
          ':next': { N: String(rev + 1) },
          ...(rev === 0 ? {} : { ':rev': { N: String(rev) } }),
        },
      }),
    );
    return rev + 1;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return undefined;
    throw error;
  }
}

/** Every consumer's book (`airstep assets --stack`): a Scan of the dags table, as the DAG list is. */
export async function listBooks(dynamo: DynamoDBClient, dagsTable: string): Promise<Map<string, StoredBook>> {
  const items = await scanAll(dynamo, {
    TableName: dagsTable,
    FilterExpression: '#version = :book',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':book': { S: ASSET_BOOK_VERSION } },
  });
  const books = new Map<string, StoredBook>();
  for (const item of items)
    if (item.book?.S !== undefined) books.set(item.dagId!.S!, JSON.parse(item.book.S) as StoredBook);
  return books;
}
