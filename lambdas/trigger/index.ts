import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseRetentionDays } from '../../lib/compiler/asset-event-retention.ts';
import { answerTrigger } from '../../lib/runs/trigger-invocation.ts';
import { optionalStackEnv, readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const logger = new Logger();
const env = readStackEnv([
  'dagsTable',
  'runsTable',
  'queuedRunsTable',
  'failedEventsQueueUrl',
  'deadlineScheduleGroup',
  'deadlineRoleArn',
  'recorderFunctionArn',
]);
// Made once per Lambda container: one connection pool for every invocation it serves.
const lambda = new LambdaClient({});
const retention = parseRetentionDays(optionalStackEnv('assetEventRetentionDays'));
const clients = {
  ...(retention !== undefined ? { assetEventRetentionDays: retention } : {}),
  dynamo: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  sqs: new SQSClient({}),
  deadlines: {
    scheduler: new SchedulerClient({}),
    group: env.deadlineScheduleGroup,
    roleArn: env.deadlineRoleArn,
    targetArn: env.recorderFunctionArn,
    // A deadline already past: the recorder gets the event the schedule would have sent, asynchronously.
    fireNow: async (event: unknown) => {
      await lambda.send(
        new InvokeCommand({
          FunctionName: env.recorderFunctionArn,
          InvocationType: 'Event',
          Payload: JSON.stringify(event),
        }),
      );
    },
  },
};

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
