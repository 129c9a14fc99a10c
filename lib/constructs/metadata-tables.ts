import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * Run metadata in DynamoDB: on-demand, point-in-time recovery, encrypted. One table per kind of record, keyed
 * for the way Airstep reads it: every read is a GetItem or a Query on a key; the few Scans are over small tables.
 *
 * - dags (`dagId`, `version`): live DAG = Get `version = LATEST` (trigger, recorder, CLI); one version = Get;
 *   list DAGs = Scan for `version = LATEST`.
 * - runs (`dagId`, `runId`; local index `byState` = `dagId`, `state`): one run = Get; runs of a DAG = Query;
 *   running runs of a DAG (`maxActiveRuns`) = Query `byState`, strongly consistent.
 * - taskInstances (`runKey` = `dagId#runId`, `taskKey`): tasks, gates and signals of a run = Query `runKey`;
 *   an answered try = Get.
 * - importErrors (`file`): record / clear a file = Put / Delete; list = Scan.
 * - poolSlots (`pool`): take / give back slots = conditional Update; slots an ended run still holds = Scan (one
 *   item per pool).
 * - queuedRuns (`dagId`, `queuedAt`): oldest queued run of a DAG = Query, Limit 1.
 *
 * `byState` is a local index so that counting a DAG's running runs can be strongly consistent (two triggers at
 * once must not both see room under `maxActiveRuns`); a local index can only be made with its table.
 */
export const TABLE_KEYS = {
  dags: { partition: 'dagId', sort: 'version' },
  runs: { partition: 'dagId', sort: 'runId' },
  taskInstances: { partition: 'runKey', sort: 'taskKey' },
  importErrors: { partition: 'file' },
  poolSlots: { partition: 'pool' },
  queuedRuns: { partition: 'dagId', sort: 'queuedAt' },
} as const;

/** The runs table's local index: runs of a DAG by state. */
export const RUNS_BY_STATE = { indexName: 'byState', sort: 'state' } as const;

export type TableName = keyof typeof TABLE_KEYS;

export interface MetadataTablesProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class MetadataTables extends Construct {
  readonly tables: Record<TableName, dynamodb.TableV2>;

  constructor(scope: Construct, id: string, props: MetadataTablesProps = {}) {
    super(scope, id);
    const table = (name: TableName) => {
      const keys = TABLE_KEYS[name] as { partition: string; sort?: string };
      return new dynamodb.TableV2(this, name[0]!.toUpperCase() + name.slice(1), {
        partitionKey: { name: keys.partition, type: dynamodb.AttributeType.STRING },
        ...(keys.sort !== undefined ? { sortKey: { name: keys.sort, type: dynamodb.AttributeType.STRING } } : {}),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(name === 'runs'
          ? {
              localSecondaryIndexes: [
                {
                  indexName: RUNS_BY_STATE.indexName,
                  sortKey: { name: RUNS_BY_STATE.sort, type: dynamodb.AttributeType.STRING },
                },
              ],
            }
          : {}),
      });
    };
    this.tables = {
      dags: table('dags'),
      runs: table('runs'),
      taskInstances: table('taskInstances'),
      importErrors: table('importErrors'),
      poolSlots: table('poolSlots'),
      queuedRuns: table('queuedRuns'),
    };
  }
}
