import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { CloudRunHistory } from '../../lib/runs/cloud-run-history.ts';
import { type DeadlineMissEvent, deadlineScheduleName } from '../../lib/runs/deadline-schedule.ts';
import type { ExecutionStatusChange } from '../../lib/runs/record-execution.ts';
import { answerTrigger } from '../../lib/runs/trigger-invocation.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { DAG_DIMENSION } from '../../lib/stack-contract/metrics.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { metricTotal } from '../helpers/metric-sums.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * Deadlines in the cloud, on moto: the trigger Lambda's handler creates the run's one-time Scheduler schedule
 * (moto keeps schedules but never fires them), the recorder's handler deletes it when the run ends in time, and
 * is invoked with the event the schedule holds, as Scheduler would when the deadline comes. SNS delivers alerts
 * to an SQS queue the test reads. Every call the handlers make runs as their stack role (IAM-checked).
 */
const region = 'us-east-1';
const GROUP = 'test-deadlines';
const BUCKET = 'airstep-deadline-test';
const RECORDER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:test-recorder';
const DEADLINE_ROLE = 'arn:aws:iam::000000000000:role/test-deadline-schedules';
const PASS = { StartAt: 'done', States: { done: { Type: 'Pass', Result: { tasks: {} }, End: true } } };

let moto: RunningEmulator;
let sfn: SFNClient;
let cloudwatch: CloudWatchClient;
let sqs: SQSClient;
let scheduler: SchedulerClient;
let inbox: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let trigger: (event: unknown) => Promise<TriggerResult>;
let recorder: (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange> | DeadlineMissEvent,
) => Promise<void>;
const dynamo = () => dynamoFor(moto.endpoint);

const deployDag = (dagId: string, deadline: DagRecord['deadline'], definition: object | undefined = undefined) =>
  deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, {
    deadline,
    ...(definition !== undefined ? { definition } : {}),
  });
const scheduleOf = (dagId: string, runId: string): Promise<GetScheduleCommandOutput | undefined> =>
  scheduler
    .send(new GetScheduleCommand({ Name: deadlineScheduleName(dagId, runId), GroupName: GROUP }))
    .catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    });
const runItem = async (dagId: string, runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: dagId }, runId: { S: runId } },
        ConsistentRead: true,
      }),
    )
  ).Item;
/** Every alert delivered so far (the inbox is read until a receive comes back empty). */
const alerts = async () => {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(message.Body!);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: inbox, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
};
const untilEnded = async (executionArn: string): Promise<DescribeExecutionCommandOutput> => {
  const giveUp = Date.now() + 90_000; // a backstop for a hang: each run ends in seconds
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (described.status === 'RUNNING' && Date.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  return described;
};
const statusEvent = (detail: ExecutionStatusChange) => ({
  version: '0',
  id: `event-${detail.status}`,
  'detail-type': 'Step Functions Execution Status Change' as const,
  source: 'aws.states',
  account: '000000000000',
  time: new Date(detail.stopDate ?? detail.startDate).toISOString(),
  region,
  resources: [detail.executionArn],
  detail,
});
const ended = (described: DescribeExecutionCommandOutput, stopDate = described.stopDate!.getTime()) =>
  statusEvent({
    executionArn: described.executionArn!,
    stateMachineArn: described.stateMachineArn!,
    name: described.name!,
    status: 'SUCCEEDED',
    startDate: described.startDate!.getTime(),
    stopDate,
    input: described.input!,
    output: described.output ?? '{"tasks":{}}',
  });
/**
 * How many `DeadlineMissed` the recorder published for a DAG while `fn` ran, read back from moto (which stores
 * PutMetricData): the series with the DAG as its dimension.
 */
async function deadlineMissesCounted(dagId: string, fn: () => Promise<unknown>): Promise<number> {
  const before = await metricTotal(cloudwatch, 'DeadlineMissed', { [DAG_DIMENSION]: dagId });
  await fn();
  return (await metricTotal(cloudwatch, 'DeadlineMissed', { [DAG_DIMENSION]: dagId })) - before;
}
/** The event a run's deadline schedule would send its target. */
const firedEvent = (schedule: GetScheduleCommandOutput) => JSON.parse(schedule.Target!.Input!) as DeadlineMissEvent;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  cloudwatch = new CloudWatchClient(clientConfig);
  sqs = new SQSClient(clientConfig);
  scheduler = new SchedulerClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  tables = await createStackTables(dynamo(), 'deadline');
  await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'deadline-alerts' }))).TopicArn!;
  inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'deadline-alerts-inbox' }))).QueueUrl!;
  const inboxArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: inboxArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const failedEvents = (await sqs.send(new CreateQueueCommand({ QueueName: 'deadline-failed-events' }))).QueueUrl!;
  // The recorder reads a run's manifest for its callbacks (these DAG versions have none stored: none are sent).
  await new S3Client({ ...clientConfig, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'deadline-control' }))).QueueUrl!;
  Object.assign(process.env, {
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.pools]: '{}',
    [STACK_ENV.alertsTopicArn]: topicArn,
    [STACK_ENV.failedEventsQueueUrl]: failedEvents,
    [STACK_ENV.deadlineScheduleGroup]: GROUP,
    [STACK_ENV.bucket]: BUCKET,
    [STACK_ENV.controlQueueUrl]: controlQueue,
    [STACK_ENV.deadlineRoleArn]: DEADLINE_ROLE,
    [STACK_ENV.recorderFunctionArn]: RECORDER_ARN,
  });
  trigger = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
  recorder = asRole('recorder', (await import('../../lambdas/recorder/index.ts')).handler);
});
afterAll(async () => {
  await moto?.stop();
});

describe('Deadlines in the cloud (trigger and recorder on moto)', () => {
  it('arms a one-time schedule for the run the trigger starts, named from the run; a second fire makes no second one', async () => {
    await deployDag('hourly_deadline', { reference: 'queuedAt', intervalSeconds: 3600, alert: true });
    const before = Date.now();
    const started = await trigger({ kind: 'manual', dagId: 'hourly_deadline' });
    expect(started.outcome).toBe('started');
    const runId = (started as { runId: string }).runId;
    expect(
      await trigger({ kind: 'manual', dagId: 'hourly_deadline', logicalDate: runId.slice('manual__'.length) }),
    ).toMatchObject({ outcome: 'duplicate', runId });

    const schedule = (await scheduleOf('hourly_deadline', runId))!;
    expect(schedule).toMatchObject({
      GroupName: GROUP,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: RECORDER_ARN, RoleArn: DEADLINE_ROLE },
    });
    const event = firedEvent(schedule);
    expect(event).toMatchObject({ source: 'airstep.deadline', dagId: 'hourly_deadline', runId, alert: true });
    // An hour after the trigger accepted the run, and the at() time is that deadline to the second.
    const deadline = Date.parse(event.deadline);
    expect(deadline - before).toBeGreaterThanOrEqual(3600_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(schedule.ScheduleExpression).toBe(
      `at(${new Date(Math.ceil(deadline / 1000) * 1000).toISOString().slice(0, 19)})`,
    );
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: GROUP, NamePrefix: 'hourly_deadline' }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual([deadlineScheduleName('hourly_deadline', runId)]);
  });

  it('deletes the schedule of a run that ends in time, and records no miss', async () => {
    await deployDag('quick_deadline', { reference: 'queuedAt', intervalSeconds: 3600, alert: true }, PASS);
    const started = (await trigger({ kind: 'manual', dagId: 'quick_deadline' })) as TriggerResult & {
      runId: string;
      executionArn: string;
    };
    expect(await scheduleOf('quick_deadline', started.runId)).toBeDefined();
    const described = await untilEnded(started.executionArn);
    expect(described.status).toBe('SUCCEEDED');
    const fired = firedEvent((await scheduleOf('quick_deadline', started.runId))!);
    expect(
      await deadlineMissesCounted('quick_deadline', async () => {
        await recorder(ended(described));
        expect(await scheduleOf('quick_deadline', started.runId)).toBeUndefined();
        // Had the schedule fired anyway (deleted a moment too late), the run that ended in time is not a miss.
        await recorder(fired);
      }),
    ).toBe(0);
    const run = await runItem('quick_deadline', started.runId);
    expect(run?.state?.S).toBe('success');
    expect(run?.deadlineMissedAt).toBeUndefined();
  });

  it('records, counts and alerts once the miss of a run still running when its schedule fires; runs show it', async () => {
    await deployDag('slow_deadline', { reference: 'queuedAt', intervalSeconds: 600, alert: true });
    const started = (await trigger({ kind: 'manual', dagId: 'slow_deadline' })) as { runId: string };
    const fired = firedEvent((await scheduleOf('slow_deadline', started.runId))!);
    await alerts(); // earlier tests' messages, if any
    const counted = await deadlineMissesCounted('slow_deadline', async () => {
      await recorder(fired);
      await recorder(fired); // Scheduler's retry of the same fire: no second alert, not counted again
    });
    expect(counted).toBe(1);
    const run = await runItem('slow_deadline', started.runId);
    expect(run?.deadline?.S).toBe(new Date(fired.deadline).toISOString());
    expect(run?.deadlineMissedAt?.S).toEqual(expect.any(String));
    expect(run?.deadlineAlertedAt?.S).toEqual(expect.any(String));
    const bodies = await alerts();
    expect(bodies).toEqual([
      `DAG slow_deadline, run ${started.runId}: missed its deadline\n` +
        `deadline ${new Date(fired.deadline).toISOString()}; the run had not ended by then`,
    ]);
    const history = new CloudRunHistory(dynamo(), tables, 'moto');
    const [listed] = await history.runs('slow_deadline');
    expect(listed).toMatchObject({
      runId: started.runId,
      state: 'running',
      deadline: new Date(fired.deadline).toISOString(),
      deadlineMissedAt: run!.deadlineMissedAt!.S,
    });
  });

  it('records the miss of a run that ends after its deadline before the schedule fired; publishes nothing with alert: false', async () => {
    await deployDag('late_deadline', { reference: 'queuedAt', intervalSeconds: 60, alert: false }, PASS);
    const started = (await trigger({ kind: 'manual', dagId: 'late_deadline' })) as {
      runId: string;
      executionArn: string;
    };
    const fired = firedEvent((await scheduleOf('late_deadline', started.runId))!);
    const described = await untilEnded(started.executionArn);
    await alerts();
    // The status change says the run stopped two minutes after its deadline (Scheduler may fire late).
    expect(
      await deadlineMissesCounted('late_deadline', () =>
        recorder(ended(described, Date.parse(fired.deadline) + 120_000)),
      ),
    ).toBe(1);
    const run = await runItem('late_deadline', started.runId);
    expect(run?.deadlineMissedAt?.S).toEqual(expect.any(String));
    expect(run?.deadlineAlertedAt).toBeUndefined();
    expect(await alerts()).toEqual([]);
  });

  it('misses at once a deadline already past when the trigger accepts the run (the recorder gets the event now)', async () => {
    // The daily run of 2026-11-23 with a deadline two hours after its interval's end: long past.
    await deployDag('past_deadline', { reference: 'dataIntervalEnd', intervalSeconds: 7200, alert: true });
    const handedOver: DeadlineMissEvent[] = [];
    const { result } = await asRole('trigger', answerTrigger)(
      { kind: 'scheduled', dagId: 'past_deadline', scheduledTime: '2026-11-24T00:00:00Z' },
      new Date(),
      {
        tables: { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
        failedEventsQueueUrl: process.env[STACK_ENV.failedEventsQueueUrl]!,
        clients: {
          dynamo: dynamo(),
          sfn,
          sqs,
          deadlines: {
            scheduler,
            group: GROUP,
            roleArn: DEADLINE_ROLE,
            targetArn: RECORDER_ARN,
            // What the trigger Lambda's asynchronous Invoke of the recorder delivers (moto runs no Lambda code).
            fireNow: async (event) => {
              handedOver.push(event);
            },
          },
        },
      },
    );
    const runId = 'scheduled__2026-11-23T00:00:00+00:00';
    expect(result).toMatchObject({ outcome: 'started', runId });
    expect(handedOver).toEqual([
      { source: 'airstep.deadline', dagId: 'past_deadline', runId, deadline: '2026-11-24T02:00:00.000Z', alert: true },
    ]);
    expect(await scheduleOf('past_deadline', runId)).toBeUndefined();
    await alerts();
    await recorder(handedOver[0]!);
    expect((await runItem('past_deadline', runId))?.deadlineMissedAt?.S).toEqual(expect.any(String));
    expect(await alerts()).toHaveLength(1);
  });
});
