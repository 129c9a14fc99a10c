import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { answerTrigger } from '../../lib/runs/trigger-invocation.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const logger = new Logger();
const env = readStackEnv(['dagsTable', 'runsTable', 'queuedRunsTable', 'failedEventsQueueUrl']);
// Made once per Lambda container: one connection pool for every invocation it serves.
const clients = { dynamo: new DynamoDBClient({}), sfn: new SFNClient({}), sqs: new SQSClient({}) };

/**
 * Target of DAG schedules and of `airstep trigger`: starts (or queues, or refuses) one run. A fire it refuses or
 * cannot read goes to the failed-events queue (see trigger-invocation.ts).
 */
export const handler = async (event: unknown) => {
  const { result, failedEvent } = await answerTrigger(event, new Date(), {
    tables: { dags: env.dagsTable, runs: env.runsTable, queuedRuns: env.queuedRunsTable },
    failedEventsQueueUrl: env.failedEventsQueueUrl,
    clients,
  });
  const fields = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  if (failedEvent !== undefined) logger.error('trigger refused a fire', { event, reason: failedEvent.reason });
  else logger.info('trigger', { dagId: fields.dagId, kind: fields.kind, ...result });
  return result;
};
