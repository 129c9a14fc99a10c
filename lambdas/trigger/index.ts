import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type TriggerEvent, triggerRun } from '../../lib/runs/trigger-run.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const logger = new Logger();
const env = readStackEnv(['dagsTable', 'runsTable', 'queuedRunsTable']);
// Made once per Lambda container: one connection pool for every invocation it serves.
const clients = { dynamo: new DynamoDBClient({}), sfn: new SFNClient({}) };

/** Target of DAG schedules and of `airstep trigger`: starts (or queues, or refuses) one run. */
export const handler = async (event: TriggerEvent) => {
  const result = await triggerRun(
    event,
    { dags: env.dagsTable, runs: env.runsTable, queuedRuns: env.queuedRunsTable },
    new Date(),
    clients,
  );
  logger.info('trigger', { dagId: event.dagId, kind: event.kind, ...result });
  return result;
};
