import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AssetConditionIR } from '../compiler/asset-ir.ts';
import type { DeadlineSpec, ScheduleSpec } from '../schedule/index.ts';
import type { ParamSpec } from '../sdk/params.ts';
import { syncAssetConsumerIndex } from './asset-consumer-index.ts';
import { scanAll } from './dynamo-pages.ts';

/**
 * What dag-sync records for each live DAG (item `{ dagId, version: 'LATEST' }` in the dags table, plus one item
 * per version) and the trigger and recorder read back. Stored as one JSON attribute beside the keys.
 */
export interface DagRecord {
  readonly dagId: string;
  /** Content hash of the bundle the live state machine version runs. */
  readonly dagVersion: string;
  readonly file: string;
  /** The alias executions start on, so a run finishes on the version it started with. */
  readonly aliasArn: string;
  readonly stateMachineArn: string;
  readonly schedule: ScheduleSpec;
  readonly params: Readonly<Record<string, ParamSpec>>;
  readonly maxActiveRuns: number;
  /**
   * The DAG's asset condition (`schedule: [asset…]`, `{ time, assets }`): the trigger starts an asset-triggered
   * run when events on its assets meet it (lib/runs/asset-consumers.ts).
   */
  readonly assets?: AssetConditionIR;
  /** ISO instant the DAG first deployed with assets: events recorded before it are not queued for it. */
  readonly assetsSince?: string;
  /** The DAG's deadline: the trigger arms one for each run it accepts. */
  readonly deadline?: DeadlineSpec;
  /**
   * Payload key -> task id, for the tasks whose payload key is not their id (ids with characters JSONPath
   * cannot read); the recorder names task records by id.
   */
  readonly taskIds?: Readonly<Record<string, string>>;
  /**
   * The state machine names of a split DAG's children (lib/dag-sync/child-machines-deploy.ts): a later sync
   * deletes those its version no longer has.
   */
  readonly childMachines?: readonly string[];
  /** A deleted DAG file disables its DAG: no schedules fire, triggers are refused. */
  readonly disabled: boolean;
  /** How far dag-sync's catchup got (lib/dag-sync/catchup-runs.ts); absent before its first sync that looked. */
  readonly catchup?: CatchupMark;
  readonly updatedAt: string;
  /**
   * Set while the DAG is paused (`airstep pause`, lib/dynamo/dag-pause.ts): no scheduled run is created, a manual
   * trigger is refused unless forced. Kept in its own attribute of the LATEST item, beside the JSON, so a
   * dag-sync writing the record meanwhile never loses it (see `writeDagRecord`).
   */
  readonly pausedAt?: string;
  /** Schedule fires the trigger skipped because the DAG was paused, since it was last paused. */
  readonly pausedFires?: { readonly count: number; readonly lastScheduledTime: string };
}

/** The fields of a DagRecord kept in attributes of their own, never in its JSON. */
type PauseFields = 'pausedAt' | 'pausedFires';

/**
 * How far catchup got for a DAG, kept on its DAG record: which intervals dag-sync owes the trigger (those that
 * ended by `until`, from `from` on) and the newest one it handed over. Intervals that end after `until` are the
 * EventBridge schedules' to fire. A redelivered event or a redeploy reads it and starts nothing twice.
 */
export interface CatchupMark {
  /** The schedule the mark counts intervals of; another expression or zone starts a new mark. */
  readonly expression: string | null;
  readonly timezone: string;
  /** The start date the owed intervals count from (the DAG's `startDate` when they were owed). */
  readonly from?: string;
  /** Logical date of the newest interval handed to the trigger (or, without catchup, found owed). */
  readonly through?: string;
  /**
   * While the intervals before `from` (a `startDate` moved back) are handed over in several syncs: the newest
   * of them handed over so far.
   */
  readonly earlierThrough?: string;
  /** ISO instant: intervals that ended by then are owed by catchup; later ones by the schedules. */
  readonly until: string;
}

export const LATEST = 'LATEST';

export async function readDagRecord(
  dynamo: DynamoDBClient,
  table: string,
  dagId: string,
  version = LATEST,
): Promise<DagRecord | undefined> {
  const item = await dynamo.send(
    new GetItemCommand({
      TableName: table,
      Key: { dagId: { S: dagId }, version: { S: version } },
      ConsistentRead: true,
    }),
  );
  return item.Item === undefined ? undefined : recordOf(item.Item);
}

/** The record of a dags-table item: its JSON with the pause attributes over it; undefined for other items. */
function recordOf(item: Record<string, AttributeValue>): DagRecord | undefined {
  const json = item.record?.S;
  if (json === undefined) return undefined;
  const { pausedAt: _a, pausedFires: _f, ...record } = JSON.parse(json) as DagRecord;
  const count = item.pausedFires?.N !== undefined ? Number(item.pausedFires.N) : 0;
  return {
    ...record,
    ...(item.pausedAt?.S !== undefined ? { pausedAt: item.pausedAt.S } : {}),
    ...(count > 0 ? { pausedFires: { count, lastScheduledTime: item.lastPausedFire?.S ?? '' } } : {}),
  };
}

/**
 * The LATEST record of every DAG, disabled ones included, by DAG id: a Scan (every page) of the dags table,
 * which holds one item per DAG version and per DAG file besides, so it reads them all; small next to runs.
 */
export async function listLatestDagRecords(dynamo: DynamoDBClient, table: string): Promise<DagRecord[]> {
  const items = await scanAll(dynamo, {
    TableName: table,
    FilterExpression: '#version = :latest',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':latest': { S: LATEST } },
  });
  const records = items.flatMap((item) => {
    const record = recordOf(item);
    return record !== undefined ? [record] : [];
  });
  return records.sort((a, b) => (a.dagId < b.dagId ? -1 : a.dagId > b.dagId ? 1 : 0));
}

/**
 * Writes the record as LATEST and under its own version. LATEST is updated, not replaced: its pause attributes
 * (set by `airstep pause` at any time) stay as they are, whatever the record read before said.
 */
export async function writeDagRecord(dynamo: DynamoDBClient, table: string, record: DagRecord): Promise<void> {
  const json = JSON.stringify(withoutPause(record));
  const replaced = await dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { dagId: { S: record.dagId }, version: { S: LATEST } },
      UpdateExpression: 'SET #record = :record',
      ExpressionAttributeNames: { '#record': 'record' },
      ExpressionAttributeValues: { ':record': { S: json } },
      // The record it replaces: which assets the DAG stops consuming (asset-consumer-index.ts).
      ReturnValues: 'ALL_OLD',
    }),
  );
  const previous = replaced.Attributes !== undefined ? recordOf(replaced.Attributes) : undefined;
  await syncAssetConsumerIndex(dynamo, table, record, previous);
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: { dagId: { S: record.dagId }, version: { S: record.dagVersion }, record: { S: json } },
    }),
  );
}

export function withoutPause(record: DagRecord): Omit<DagRecord, PauseFields> {
  const { pausedAt: _a, pausedFires: _f, ...rest } = record;
  return rest;
}

export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient({});
}
