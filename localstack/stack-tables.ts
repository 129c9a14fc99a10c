import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RUNS_BY_STATE, TABLE_KEYS, type TableName } from '../lib/stack-contract/tables.ts';

/** Creates the construct's tables (same keys) in an emulator, as `stack:local` and the Lambda tests need them. */
export async function createStackTables(dynamo: DynamoDBClient, prefix: string): Promise<Record<TableName, string>> {
  const names = {} as Record<TableName, string>;
  for (const [name, keys] of Object.entries(TABLE_KEYS) as Array<[TableName, { partition: string; sort?: string }]>) {
    const tableName = `${prefix}-${name}`;
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: keys.partition, AttributeType: 'S' },
          ...(keys.sort !== undefined ? [{ AttributeName: keys.sort, AttributeType: 'S' as const }] : []),
          ...(name === 'runs' ? [{ AttributeName: RUNS_BY_STATE.sort, AttributeType: 'S' as const }] : []),
        ],
        KeySchema: [
          { AttributeName: keys.partition, KeyType: 'HASH' },
          ...(keys.sort !== undefined ? [{ AttributeName: keys.sort, KeyType: 'RANGE' as const }] : []),
        ],
        ...(name === 'runs'
          ? {
              LocalSecondaryIndexes: [
                {
                  IndexName: RUNS_BY_STATE.indexName,
                  KeySchema: [
                    { AttributeName: keys.partition, KeyType: 'HASH' as const },
                    { AttributeName: RUNS_BY_STATE.sort, KeyType: 'RANGE' as const },
                  ],
                  Projection: { ProjectionType: 'KEYS_ONLY' as const },
                },
              ],
            }
          : {}),
      }),
    );
    names[name] = tableName;
  }
  return names;
}

export const emulatorCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const dynamoFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: emulatorCredentials });
