import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readStackEnv } from '../../lib/runtime/stack-env.ts';
import { handleWorkerMessage } from '../../lib/runtime/worker-run.ts';

const logger = new Logger();
const env = readStackEnv(['bucket', 'taskInstancesTable', 'poolSlotsTable', 'pools']);
const sqs = new SQSClient({});
/** How long a try whose pool is full waits before the queue delivers it again. */
const POOL_RETRY_SECONDS = 10;

/** arn:aws:sqs:<region>:<account>:<name> -> the queue URL. */
function queueUrl(arn: string): string {
  const [, , , region, account, name] = arn.split(':');
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
}

/**
 * Task queues and the control queue: each message is one task try (or a gate or signal). A message whose
 * handling throws is reported as a batch item failure, so SQS delivers it again (and after maxReceiveCount, to
 * the dead-letter queue); a try whose pool is full comes back after a few seconds; the others are done.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const body = JSON.parse(record.body);
      const result = await handleWorkerMessage(body, {
        bucket: env.bucket,
        gatesTable: env.taskInstancesTable,
        log: (line) => logger.info(line, { dagId: body.dagId, taskId: body.taskId }),
        pools: { table: env.poolSlotsTable, capacities: JSON.parse(env.pools) as Record<string, number> },
      });
      if (result === 'deferred') {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl(record.eventSourceARN),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: POOL_RETRY_SECONDS,
          }),
        );
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      logger.info('message done', { kind: body.kind, dagId: body.dagId, taskId: body.taskId, result });
    } catch (error) {
      logger.error('message failed', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
