import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DagSyncDeps } from '../../lib/dag-sync/dag-sync.ts';
import { syncDagBatch } from '../../lib/dag-sync/dag-sync-batch.ts';
import { lambdaEvaluator } from '../../lib/dag-sync/evaluator-client.ts';
import { lambdaTrigger } from '../../lib/dag-sync/trigger-client.ts';
import { readStackEnv } from '../../lib/stack-contract/stack-env.ts';

const logger = new Logger();

/** The handler's clients and settings, made once per Lambda container at its first event. */
let dependencies: Promise<DagSyncDeps> | undefined;

async function makeDependencies(): Promise<DagSyncDeps> {
  const env = readStackEnv([
    'dagsTable',
    'runsTable',
    'taskInstancesTable',
    'importErrorsTable',
    'namePrefix',
    'stateMachineRoleArn',
    'taskQueueUrls',
    'controlQueueUrl',
    'scheduleGroup',
    'schedulerRoleArn',
    'triggerFunctionArn',
    'assetEventBusName',
    'ecsClusterArn',
    'workerTaskDefinition',
    'containerTaskRoleArn',
    'containerExecutionRoleArn',
    'containerLogGroup',
    'stateMachineLogGroupArn',
    'stateMachineLogLevel',
    'subnetIds',
    'securityGroupIds',
    'assignPublicIp',
    'assumableRoleArns',
    'awsSdkActions',
    'passableRoleArns',
    'evaluatorFunction',
    'alertsTopicArn',
  ]);
  const ecs = new ECSClient({});
  const lambda = new LambdaClient({});
  return {
    s3: new S3Client({}),
    sfn: new SFNClient({}),
    dynamo: new DynamoDBClient({}),
    scheduler: new SchedulerClient({}),
    tables: { dags: env.dagsTable, importErrors: env.importErrorsTable },
    namePrefix: env.namePrefix,
    stateMachineRoleArn: env.stateMachineRoleArn,
    placeholders: {
      controlQueueUrl: env.controlQueueUrl,
      taskQueueUrls: JSON.parse(env.taskQueueUrls) as Record<string, string>,
      ecsClusterArn: env.ecsClusterArn,
      workerTaskDefinition: env.workerTaskDefinition,
      subnetIds: env.subnetIds,
      securityGroupIds: env.securityGroupIds,
      assignPublicIp: env.assignPublicIp,
      triggerFunctionArn: env.triggerFunctionArn,
      runsTable: env.runsTable,
      taskInstancesTable: env.taskInstancesTable,
      assetEventBusName: env.assetEventBusName,
    },
    schedules: { group: env.scheduleGroup, roleArn: env.schedulerRoleArn, triggerArn: env.triggerFunctionArn },
    evaluate: lambdaEvaluator(lambda, env.evaluatorFunction),
    trigger: lambdaTrigger(lambda, env.triggerFunctionArn),
    assumableRoleArns: JSON.parse(env.assumableRoleArns) as string[],
    awsSdkActions: JSON.parse(env.awsSdkActions) as string[],
    passableRoleArns: JSON.parse(env.passableRoleArns) as string[],
    alarms: { cloudwatch: new CloudWatchClient({}), namePrefix: env.namePrefix, alertsTopicArn: env.alertsTopicArn },
    watcherRules: { events: new EventBridgeClient({}), namePrefix: env.namePrefix, triggerArn: env.triggerFunctionArn },
    stateMachineLogs: {
      logGroupArn: env.stateMachineLogGroupArn,
      level: env.stateMachineLogLevel as 'ALL' | 'ERROR' | 'FATAL',
    },
    containers: {
      ecs,
      taskRoleArn: env.containerTaskRoleArn,
      executionRoleArn: env.containerExecutionRoleArn,
      logGroup: env.containerLogGroup,
      region: await ecs.config.region(),
    },
  };
}

/** S3 events for `dags/` (through SQS): each changed DAG file is synced; a message that failed is retried by SQS. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  dependencies ??= makeDependencies();
  const deps = await dependencies;
  const failed = await syncDagBatch(
    event.Records.map((record) => ({ id: record.messageId, body: record.body })),
    deps,
    {
      onResult: (result) => {
        logger.info('synced', { ...result });
        // More runs owed than one sync hands over: the next sync of the file goes on (README, catchup).
        for (const capped of ('catchup' in result ? (result.catchup ?? []) : []).filter((dag) => dag.capped)) {
          logger.warn('catchup capped', { file: result.file, ...capped });
        }
      },
      onError: (messageId, change, error) =>
        logger.error('sync failed', { messageId, file: change?.key, error: error as Error }),
    },
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};
