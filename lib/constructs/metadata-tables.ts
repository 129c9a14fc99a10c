import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * Run metadata in DynamoDB: on-demand, point-in-time recovery, encrypted. One table per kind of record, keyed
 * for the way Airstep reads it:
 *
 * | table | key | read by |
 * |---|---|---|
 * | dags | `dagId`, `version` (`LATEST` points at the live one) | CLI `list`, trigger (state machine, params schema) |
 * | runs | `dagId`, `runId`; index `byState` (`state`, `startedAt`) | CLI `runs`, recorder, trigger (active runs) |
 * | taskInstances | `runKey` (`dagId#runId`), `taskKey` (`taskId#mapIndex`) | CLI `tasks`, recorder |
 * | importErrors | `file` | CLI `list`, dashboard |
 * | poolSlots | `pool` (a counter item with capacity, used, and holders by try) | worker (take), recorder (give back) |
 * | queuedRuns | `dagId`, `queuedAt` | trigger (queue when maxActiveRuns is reached), recorder (start next) |
 */
export const TABLE_KEYS = {
  dags: { partition: 'dagId', sort: 'version' },
  runs: { partition: 'dagId', sort: 'runId' },
  taskInstances: { partition: 'runKey', sort: 'taskKey' },
  importErrors: { partition: 'file' },
  poolSlots: { partition: 'pool' },
  queuedRuns: { partition: 'dagId', sort: 'queuedAt' },
} as const;

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
              globalSecondaryIndexes: [
                {
                  indexName: 'byState',
                  partitionKey: { name: 'state', type: dynamodb.AttributeType.STRING },
                  sortKey: { name: 'startedAt', type: dynamodb.AttributeType.STRING },
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
