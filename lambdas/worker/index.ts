import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { optionalStackEnv, readStackEnv } from '../../lib/stack-contract/stack-env.ts';
import { workerSecretSources } from '../../lib/worker/cloud-secrets.ts';
import { SqsRedelivery } from '../../lib/worker/sqs-redelivery.ts';
import { taskLogTagsOf } from '../../lib/worker/task-log-tags.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';

const logger = new Logger();
const env = readStackEnv(['bucket', 'taskInstancesTable', 'poolSlotsTable', 'pools']);
const redelivery = new SqsRedelivery(new SQSClient({}));
// Clients live as long as the Lambda container: one connection pool for every message it handles.
const clients = {
  sfn: new SFNClient({}),
  s3: new S3Client({}),
  dynamo: new DynamoDBClient({}),
  sts: new STSClient({}),
};
// Variables and Connections, cached for the container's life (a short TTL per value).
const secrets = workerSecretSources(optionalStackEnv('secretsPrefix'));

/**
 * Task queues and the control queue: each message is one task try (or a gate or signal). A message whose
 * handling throws is reported as a batch item failure, so SQS delivers it again (and after maxReceiveCount, to
 * the dead-letter queue); a try whose pool is full is sent again with a delay; the others are done.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const body = JSON.parse(record.body);
      // Each line names its try, so `airstep logs --stack` and Logs Insights select one try's lines.
      const tags = taskLogTagsOf(body);
      const result = await handleWorkerMessage(body, {
        bucket: env.bucket,
        gatesTable: env.taskInstancesTable,
        ...clients,
        secrets,
        log: (line) => logger.info(line, { ...tags }),
        pools: { table: env.poolSlotsTable, capacities: JSON.parse(env.pools) as Record<string, number> },
        defer: (seconds) => redelivery.sendAgain(record.eventSourceARN, record.body, seconds),
        // The try's live record names where its log is.
        ...(process.env.AWS_LAMBDA_LOG_STREAM_NAME !== undefined
          ? { host: process.env.AWS_LAMBDA_LOG_STREAM_NAME }
          : {}),
      });
      logger.info('message done', { kind: body.kind, dagId: body.dagId, taskId: body.taskId, result });
    } catch (error) {
      logger.error('message failed', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
