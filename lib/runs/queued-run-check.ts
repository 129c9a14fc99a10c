import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { RUNS_BY_STATE } from '../stack-contract/tables.ts';

/**
 * Whether a DAG has a run waiting in state `queued` (a `triggerDag` run created while it was paused, or one over
 * its `maxActiveRuns`): one read of the runs table's `byState` index. `airstep unpause --stack` asks the trigger to
 * start queued runs only when there are some.
 */
export async function hasQueuedRuns(dynamo: DynamoDBClient, runsTable: string, dagId: string): Promise<boolean> {
  const page = await dynamo.send(
    new QueryCommand({
      TableName: runsTable,
      IndexName: RUNS_BY_STATE.indexName,
      KeyConditionExpression: 'dagId = :dag AND #state = :queued',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':dag': { S: dagId }, ':queued': { S: 'queued' } },
      Select: 'COUNT',
      Limit: 1,
    }),
  );
  return (page.Count ?? 0) > 0;
}
