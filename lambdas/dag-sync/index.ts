import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { evaluateIfAsked } from '../../lib/runtime/dag-evaluator.ts';
import { dagFileChanges, syncDagFile } from '../../lib/runtime/dag-sync.ts';
import { readStackEnv } from '../../lib/runtime/stack-env.ts';

// This bundle is also the evaluating child process dag-sync starts for each DAG file (AIRSTEP_EVALUATE set).
const evaluating = await evaluateIfAsked();

const logger = new Logger();

/** S3 events for `dags/` (through SQS): each changed DAG file is synced; a failure is retried by SQS. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  if (evaluating) return { batchItemFailures: [] };
  const env = readStackEnv([
    'dagsTable',
    'importErrorsTable',
    'namePrefix',
    'stateMachineRoleArn',
    'taskQueueUrls',
    'controlQueueUrl',
    'scheduleGroup',
    'schedulerRoleArn',
    'triggerFunctionArn',
    'ecsClusterArn',
    'workerTaskDefinitionArn',
    'subnetIds',
    'securityGroupIds',
    'assignPublicIp',
  ]);
  const deps = {
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
      workerTaskDefinitionArn: env.workerTaskDefinitionArn,
      subnetIds: env.subnetIds,
      securityGroupIds: env.securityGroupIds,
      assignPublicIp: env.assignPublicIp,
    },
    schedules: { group: env.scheduleGroup, roleArn: env.schedulerRoleArn, triggerArn: env.triggerFunctionArn },
    evaluator: { module: fileURLToPath(import.meta.url) },
  };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      for (const change of dagFileChanges(record.body)) {
        const result = await syncDagFile(change, deps);
        logger.info('synced', { ...result });
      }
    } catch (error) {
      logger.error('sync failed', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
