import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeadlineSpec, ScheduleSpec } from '../schedule/index.ts';
import type { ParamSpec } from '../sdk/params.ts';
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
  /** The DAG's deadline: the trigger arms one for each run it accepts. */
  readonly deadline?: DeadlineSpec;
  /**
   * Payload key -> task id, for the tasks whose payload key is not their id (ids with characters JSONPath
   * cannot read); the recorder names task records by id.
   */
  readonly taskIds?: Readonly<Record<string, string>>;
  /** A deleted DAG file disables its DAG: no schedules fire, triggers are refused. */
  readonly disabled: boolean;
  readonly updatedAt: string;
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
  const json = item.Item?.record?.S;
  return json === undefined ? undefined : (JSON.parse(json) as DagRecord);
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
  const records = items.flatMap((item) =>
    item.record?.S !== undefined ? [JSON.parse(item.record.S) as DagRecord] : [],
  );
  return records.sort((a, b) => (a.dagId < b.dagId ? -1 : a.dagId > b.dagId ? 1 : 0));
}

/** Writes the record as LATEST and under its own version. */
export async function writeDagRecord(dynamo: DynamoDBClient, table: string, record: DagRecord): Promise<void> {
  for (const version of [LATEST, record.dagVersion]) {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: { dagId: { S: record.dagId }, version: { S: version }, record: { S: JSON.stringify(record) } },
      }),
    );
  }
}

export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient({});
}
