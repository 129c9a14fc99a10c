import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Hands the messages of the task and control queues to the worker Lambda's handler, a received batch per
 * invocation as its event source does, deleting each batch after, until the execution ends (or a deadline that
 * only catches a hang). Returns the execution as it ended, every message handed over, and the failures reported.
 */
export async function driveWorker(options: {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  readonly queues: readonly string[];
  readonly executionArn: string;
  readonly deadlineMs?: number;
}): Promise<{ described: DescribeExecutionCommandOutput | undefined; delivered: Message[]; failures: string[] }> {
  const { sqs, sfn, handler, queues, executionArn } = options;
  const delivered: Message[] = [];
  const failures: string[] = [];
  let described: DescribeExecutionCommandOutput | undefined;
  const deadline = Date.now() + (options.deadlineMs ?? 90_000);
  while (Date.now() < deadline) {
    for (const url of queues) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) continue;
      const event = { Records: Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })) };
      const response = await handler(event as unknown as SQSEvent);
      failures.push(...response.batchItemFailures.map((failure) => `failed ${failure.itemIdentifier}`));
      for (const m of Messages)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      delivered.push(...Messages);
    }
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { described, delivered, failures };
}
