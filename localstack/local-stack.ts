import { resolve } from 'node:path';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { dagFileChanges } from '../lib/dag-sync/dag-file-change.ts';
import { type DagSyncDeps, type SyncResult, syncDagFile } from '../lib/dag-sync/dag-sync.ts';
import { dynamoClient } from '../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../lib/emulator/launcher.ts';
import { seedExampleBuckets } from '../lib/local/example-buckets.ts';
import { type Recorded, recordExecution } from '../lib/runs/record-execution.ts';
import { answerTrigger } from '../lib/runs/trigger-invocation.ts';
import type { TriggerEvent, TriggerResult } from '../lib/runs/trigger-run.ts';
import { handleWorkerMessage } from '../lib/worker/worker-run.ts';
import { createStackTables } from './stack-tables.ts';

/**
 * The cloud stack on MiniStack without Docker: the construct's resources created through the AWS SDK with its
 * own keys and names (MiniStack's CloudFormation cannot take the synthesized template's Lambda assets), and the
 * four handlers' logic run in this process, called as their event sources call them — S3 events from the
 * dag-sync queue, messages from the task and control queues, the status of each execution. Used by
 * `npm run stack:local` and the end-to-end tests.
 */
/** How long a taken task message stays invisible before SQS delivers it again. */
export const TASK_VISIBILITY_SECONDS = 3;

/** The context attribute a DAG schedule's input carries, which EventBridge Scheduler fills when it fires. */
const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

export class LocalStack {
  readonly bucket = 'airstep-local';
  private constructor(
    readonly emulator: RunningEmulator,
    readonly s3: S3Client,
    readonly sqs: SQSClient,
    readonly sfn: SFNClient,
    readonly tables: Awaited<ReturnType<typeof createStackTables>>,
    readonly queues: {
      readonly task: string;
      readonly control: string;
      readonly dagEvents: string;
      readonly alerts: string;
      readonly triggerInbox: string;
      readonly failedEvents: string;
    },
    readonly topicArn: string,
    private readonly syncDeps: DagSyncDeps,
  ) {}

  static async start(log: (line: string) => void = () => {}): Promise<LocalStack> {
    const emulator = await startEmulator('ministack', { log });
    try {
      Object.assign(process.env, emulator.env);
      const s3 = new S3Client({ forcePathStyle: true });
      const sqs = new SQSClient({});
      const sfn = new SFNClient({});
      const sns = new SNSClient({});
      const dynamo = dynamoClient();
      const scheduler = new SchedulerClient({});
      const bucket = 'airstep-local';
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await seedExampleBuckets(s3);
      const tables = await createStackTables(dynamo, 'airstep');
      const queue = async (name: string, visibilitySeconds = 30) =>
        (
          await sqs.send(
            new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: String(visibilitySeconds) } }),
          )
        ).QueueUrl!;
      const arnOf = async (url: string) =>
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!
          .QueueArn!;
      const queues = {
        // Short, so a message whose worker "died" comes back within a test (the stack ties it to the worker timeout).
        task: await queue('airstep-task-default', TASK_VISIBILITY_SECONDS),
        control: await queue('airstep-control'),
        dagEvents: await queue('airstep-dag-events'),
        alerts: await queue('airstep-alerts-inbox'),
        // The schedules' target: MiniStack fires them here, where `firedSchedules` hands each to the trigger.
        triggerInbox: await queue('airstep-trigger-inbox'),
        // Fires the trigger refuses or cannot read, with the reason (the stack alarms on it).
        failedEvents: await queue('airstep-failed-events'),
      };
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn: await arnOf(queues.dagEvents),
                Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
                Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dags/' }] } },
              },
            ],
          },
        }),
      );
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'airstep-alerts' }))).TopicArn!;
      // Alerts are read back from a queue subscribed to the topic (where an email would go on AWS).
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: await arnOf(queues.alerts),
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
      await scheduler.send(new CreateScheduleGroupCommand({ Name: 'airstep-dags' }));
      const syncDeps: DagSyncDeps = {
        s3,
        sfn,
        dynamo,
        scheduler,
        tables: { dags: tables.dags, importErrors: tables.importErrors },
        namePrefix: 'airstep',
        stateMachineRoleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
        placeholders: { controlQueueUrl: queues.control, taskQueueUrls: { default: queues.task } },
        schedules: {
          group: 'airstep-dags',
          roleArn: 'arn:aws:iam::000000000000:role/airstep-scheduler',
          triggerArn: await arnOf(queues.triggerInbox),
        },
        evaluator: { module: resolve('lib/dag-sync/dag-evaluator-main.ts'), execArgv: ['--import', 'tsx/esm'] },
      };
      return new LocalStack(emulator, s3, sqs, sfn, tables, queues, topicArn, syncDeps);
    } catch (error) {
      await emulator.stop();
      throw error;
    }
  }

  async upload(key: string, body: string | Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }

  /** dag-sync: takes the S3 events waiting on its queue, syncs each file; returns the results in order. */
  async syncPending(waitSeconds = 1): Promise<SyncResult[]> {
    const results: SyncResult[] = [];
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queues.dagEvents,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    for (const message of Messages) {
      for (const change of dagFileChanges(message.Body!)) results.push(await syncDagFile(change, this.syncDeps));
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.queues.dagEvents, ReceiptHandle: message.ReceiptHandle! }),
      );
    }
    return results;
  }

  /** The trigger, as its Lambda answers: a fire it refuses or cannot read also goes to the failed-events queue. */
  async trigger(event: TriggerEvent): Promise<TriggerResult> {
    const { result } = await answerTrigger(event, new Date(), {
      tables: { dags: this.tables.dags, runs: this.tables.runs, queuedRuns: this.tables.queuedRuns },
      failedEventsQueueUrl: this.queues.failedEvents,
      clients: { dynamo: this.syncDeps.dynamo, sfn: this.sfn, sqs: this.sqs },
    });
    return result;
  }

  /**
   * The trigger Lambda's part for the schedules MiniStack fired since the last call: each fire's input, as the
   * DAG's schedule carries it, is handed to the trigger. MiniStack does not fill in Scheduler's context
   * attributes, so `<aws.scheduler.scheduled-time>` is filled here as EventBridge Scheduler would: with the
   * minute the schedule was due (MiniStack fires a due cron schedule within its 10 s sweep after that minute).
   */
  async firedSchedules(waitSeconds = 1): Promise<Array<{ fired: TriggerEvent; result: TriggerResult }>> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queues.triggerInbox,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const handled: Array<{ fired: TriggerEvent; result: TriggerResult }> = [];
    for (const message of Messages) {
      const dueMinute = Math.floor(Number(message.Attributes!.SentTimestamp) / 60_000) * 60_000;
      const fired = JSON.parse(
        message.Body!.replaceAll(SCHEDULED_TIME, new Date(dueMinute).toISOString()),
      ) as TriggerEvent;
      handled.push({ fired, result: await this.trigger(fired) });
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.queues.triggerInbox, ReceiptHandle: message.ReceiptHandle! }),
      );
    }
    return handled;
  }

  /** The worker on the task and control queues until the execution ends; then the recorder. */
  async runToEnd(executionArn: string, timeoutMs = 120_000): Promise<Recorded | undefined> {
    const deadline = performance.now() + timeoutMs;
    let status = 'RUNNING';
    while (status === 'RUNNING' && performance.now() < deadline) {
      await this.workOnce();
      status = (await this.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
      if (status === 'RUNNING') await new Promise((done) => setTimeout(done, 100));
    }
    const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return recordExecution(
      {
        executionArn,
        stateMachineArn: described.stateMachineArn!,
        name: described.name!,
        status: described.status as 'SUCCEEDED',
        startDate: described.startDate!.getTime(),
        stopDate: described.stopDate?.getTime() ?? null,
        input: described.input ?? null,
        output: described.output ?? null,
        error: described.error ?? null,
      },
      {
        dynamo: dynamoClient(),
        tables: {
          dags: this.tables.dags,
          runs: this.tables.runs,
          taskInstances: this.tables.taskInstances,
          queuedRuns: this.tables.queuedRuns,
        },
        alertsTopicArn: this.topicArn,
        region: 'us-east-1',
        sfn: this.sfn,
        sns: new SNSClient({}),
      },
    );
  }

  /** One pass of the worker over the task and control queues (the Lambda event source mapping's job). */
  async workOnce(): Promise<number> {
    let handled = 0;
    for (const url of [this.queues.task, this.queues.control]) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      await Promise.all(
        Messages.map(async (message) => {
          await handleWorkerMessage(JSON.parse(message.Body!), {
            bucket: this.bucket,
            gatesTable: this.tables.taskInstances,
            sfn: this.sfn,
            s3: this.s3,
            dynamo: this.syncDeps.dynamo,
          });
          await this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
        }),
      );
      handled += Messages.length;
    }
    return handled;
  }

  /** Alert messages published so far (read from the queue subscribed to the topic). */
  async alerts(waitSeconds = 2): Promise<string[]> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queues.alerts,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    return Messages.map((message) => message.Body!);
  }

  /** A DynamoDB client for the emulator (tests read records with it). */
  emulatorDynamo() {
    return dynamoClient();
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }
}
