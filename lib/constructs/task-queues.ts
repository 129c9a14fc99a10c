import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface TaskQueuesProps {
  /** Queue names the deployed DAGs use (`queue` task option); `default` is always created. @default ['default'] */
  readonly queueNames?: readonly string[];
  /** The worker's timeout: a message stays invisible at least this long (plus a margin) while a worker runs it. */
  readonly workerTimeout: Duration;
  /** Receives before a message goes to its dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/**
 * The queues: one task queue per queue name, the control queue (gates and signals between branches), and the
 * dag-sync queue (S3 events for `dags/`), each with a dead-letter queue, SSE and TLS only.
 */
export class TaskQueues extends Construct {
  readonly taskQueues: Record<string, sqs.Queue>;
  readonly controlQueue: sqs.Queue;
  readonly dagEvents: sqs.Queue;
  readonly deadLetterQueues: sqs.Queue[] = [];

  constructor(scope: Construct, id: string, props: TaskQueuesProps) {
    super(scope, id);
    const names = [...new Set(['default', ...(props.queueNames ?? [])])].sort();
    for (const name of names) {
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(name))
        throw new Error(`queue name '${name}' must be 1-40 letters, digits, _ or -`);
    }
    // SQS wants the visibility timeout to be at least the consumer's timeout; a margin covers the Lambda start.
    const visibilityTimeout = Duration.seconds(props.workerTimeout.toSeconds() + 30);
    const queue = (queueId: string, visibility: Duration) => {
      const dead = new sqs.Queue(this, `${queueId}Dlq`, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      this.deadLetterQueues.push(dead);
      return new sqs.Queue(this, queueId, {
        visibilityTimeout: visibility,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: dead, maxReceiveCount: props.maxReceiveCount ?? 3 },
      });
    };
    this.taskQueues = Object.fromEntries(
      // The construct id holds the queue name itself, so adding a queue never renames (replaces) another.
      names.map((name) => [name, queue(`Task_${name}`, visibilityTimeout)]),
    );
    this.controlQueue = queue('Control', Duration.seconds(60));
    this.dagEvents = queue('DagEvents', Duration.seconds(6 * 60));
  }
}
