import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { RUNS_TTL_ATTRIBUTE } from '../stack-contract/asset-event-retention.ts';
import { RUNS_BY_STATE, TABLE_KEYS, type TableName } from '../stack-contract/tables.ts';

/**
 * Run metadata in DynamoDB: on-demand, point-in-time recovery, encrypted, one table per kind of record, keyed as
 * `TABLE_KEYS` (lib/stack-contract/tables.ts) says, with its access patterns.
 */

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
              // Recorded asset events expire (lib/compiler/asset-event-retention.ts); runs never get it.
              timeToLiveAttribute: RUNS_TTL_ATTRIBUTE,
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
