import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Puts a message back on the queue it came from, to be delivered in `seconds` (SQS allows up to 900). A new
 * message starts its receive count again, so a try that waits a long time for a pool slot never reaches the
 * dead-letter queue, as it would if the same message were only made visible again.
 */
export class SqsRedelivery {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly sqs: SQSClient) {}

  async sendAgain(queueArn: string, body: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: await this.urlOf(queueArn),
        MessageBody: body,
        DelaySeconds: Math.max(0, Math.min(900, Math.round(seconds))),
      }),
    );
  }

  /** The URL of `arn:aws:sqs:<region>:<account>:<name>`, asked of SQS once (it knows its own endpoint). */
  private urlOf(queueArn: string): Promise<string> {
    let url = this.urls.get(queueArn);
    if (url === undefined) {
      const [, , , , account, name] = queueArn.split(':');
      url = this.sqs
        .send(new GetQueueUrlCommand({ QueueName: name!, QueueOwnerAWSAccountId: account! }))
        .then((answer) => answer.QueueUrl!);
      url.catch(() => this.urls.delete(queueArn));
      this.urls.set(queueArn, url);
    }
    return url;
  }
}
