import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AirstepPropsError } from './airstep-props-error.ts';

export interface TaskQueuesProps {
  /** Queue names the deployed DAGs use (`queue` task option); `default` is always created. @default ['default'] */
  readonly queueNames?: readonly string[];
  /** The worker Lambda's timeout: the task and control queues hide a message at least this long. */
  readonly workerTimeout: Duration;
  /** The dag-sync Lambda's timeout: the dag-sync queue hides a message at least this long. */
  readonly dagSyncTimeout: Duration;
  /** Receives before a message goes to its dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/** Lambda starts, retries of a throttled poll: SQS hides a message this much longer than its consumer may run. */
const VISIBILITY_MARGIN_SECONDS = 30;

/**
 * The queues: one task queue per queue name, the control queue (gates and signals between branches), and the
 * dag-sync queue (S3 events for `dags/`), each with its dead-letter queue; and the failed-events queue, where
 * status changes the recorder could not take and trigger / recorder invocations that kept failing end up. All
 * encrypted (SSE-SQS) and TLS only.
 */
export class TaskQueues extends Construct {
  readonly taskQueues: Record<string, sqs.Queue>;
  readonly controlQueue: sqs.Queue;
  readonly dagEvents: sqs.Queue;
  /** Dead letters of asynchronous invocations (trigger, recorder) and of the recorder's EventBridge rule. */
  readonly failedEvents: sqs.Queue;
  /** Every queue that holds messages nobody could handle: the redrive targets and `failedEvents`. */
  readonly deadLetterQueues: sqs.Queue[] = [];

  constructor(scope: Construct, id: string, props: TaskQueuesProps) {
    super(scope, id);
    const names = [...new Set(['default', ...(props.queueNames ?? [])])].sort();
    for (const name of names) {
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(name))
        throw new AirstepPropsError('queueNames', `queue name '${name}' must be 1-40 letters, digits, _ or -`);
    }
    const deadLetters = (queueId: string) => {
      const dead = new sqs.Queue(this, queueId, {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      this.deadLetterQueues.push(dead);
      return dead;
    };
    // A Lambda event source needs the visibility timeout to be at least the function's timeout (CreateEventSource-
    // Mapping refuses less), or a message still being worked on is delivered a second time.
    const queue = (queueId: string, consumerTimeout: Duration) =>
      new sqs.Queue(this, queueId, {
        visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() + VISIBILITY_MARGIN_SECONDS),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetters(`${queueId}Dlq`), maxReceiveCount: props.maxReceiveCount ?? 3 },
      });
    this.taskQueues = Object.fromEntries(
      // The construct id holds the queue name itself, so adding a queue never renames (replaces) another.
      names.map((name) => [name, queue(`Task_${name}`, props.workerTimeout)]),
    );
    // The worker Lambda consumes the control queue too, so it takes the worker's timeout.
    this.controlQueue = queue('Control', props.workerTimeout);
    this.dagEvents = queue('DagEvents', props.dagSyncTimeout);
    this.failedEvents = deadLetters('FailedEvents');
  }
}
