import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
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
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import type { ExecutionStatusChange } from '../../lib/runs/record-execution.ts';
import { dag } from '../../lib/sdk/index.ts';
import { DAG_DIMENSION, METRICS_NAMESPACE, STACK_WIDE_DIMENSION } from '../../lib/stack-contract/metrics.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import {
  type Behaviour,
  byItem,
  failTimes,
  nonRetryable,
  play,
  skip,
  succeed,
} from '../differential/harness/behaviour.ts';
import { TestWorker } from '../differential/harness/test-worker.ts';
import { metricTotal } from '../helpers/metric-sums.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The recorder Lambda's handler on moto: a real execution fails, and its "Step Functions Execution Status Change"
 * event (written as EventBridge delivers it; moto has no EventBridge rule that emits these) is handed to the
 * handler. SNS delivers the alert to an SQS queue subscribed to the topic, where the test reads it.
 */
const region = 'us-east-1';
const ctx = {
  dagId: 'nightly',
  runId: 'scheduled__2026-11-23T00:00:00+00:00',
  runType: 'scheduled',
  logicalDate: '2026-11-23T00:00:00+00:00',
  ds: '2026-11-23',
  dsNodash: '20261123',
  ts: '2026-11-23T00:00:00+00:00',
  dataIntervalStart: '2026-11-23T00:00:00+00:00',
  dataIntervalEnd: '2026-11-24T00:00:00+00:00',
  params: {},
  conf: {},
} as const;
const role = 'arn:aws:iam::000000000000:role/sm';

let moto: RunningEmulator;
let sfn: SFNClient;
let sqs: SQSClient;
let inbox: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let handler: (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>,
) => Promise<void>;
const dynamo = () => dynamoFor(moto.endpoint);

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
const taskItems = async (dagId: string, runId: string) =>
  (
    (
      await dynamo().send(
        new QueryCommand({
          TableName: tables.taskInstances,
          KeyConditionExpression: 'runKey = :run',
          ExpressionAttributeValues: { ':run': { S: `${dagId}#${runId}` } },
          ConsistentRead: true,
        }),
      )
    ).Items ?? []
  ).map((item) => [item.taskKey?.S, item.mapIndex?.N, item.state?.S, item.tries?.N, item.error?.S]);
const untilEnded = async (executionArn: string) => {
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  for (let i = 0; i < 300 && described.status === 'RUNNING'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  return described;
};
const runItem = async (runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: 'nightly' }, runId: { S: runId } },
        ConsistentRead: true,
      }),
    )
  ).Item;
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

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  sqs = new SQSClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  tables = await createStackTables(dynamo(), 'recorder');
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'airstep-alerts' }))).TopicArn!;
  inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-inbox' }))).QueueUrl!;
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
  // Where the recorder reads a run's manifest and sends its callbacks (these DAG versions store none: no callbacks).
  await new S3Client({ ...clientConfig, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: 'recorder-artifacts' }),
  );
  const control = (await sqs.send(new CreateQueueCommand({ QueueName: 'recorder-control' }))).QueueUrl!;
  Object.assign(process.env, {
    [STACK_ENV.bucket]: 'recorder-artifacts',
    [STACK_ENV.controlQueueUrl]: control,
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    [STACK_ENV.alertsTopicArn]: topicArn,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.pools]: JSON.stringify({ warehouse: 2 }),
    // No DAG here declares a deadline (test/lambdas/deadline.test.ts covers them); the handler reads it.
    [STACK_ENV.deadlineScheduleGroup]: 'recorder-deadlines',
  });
  handler = asRole('recorder', (await import('../../lambdas/recorder/index.ts')).handler);
});
afterAll(async () => {
  await moto?.stop();
});

describe('recorder Lambda', () => {
  it('records a failed run and its tasks, alerts once on SNS, frees its pool slots and starts the oldest queued run', async () => {
    // The run's state machine records two task results, then fails as a compiled DAG does.
    const failing = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-nightly',
        roleArn: role,
        definition: JSON.stringify({
          StartAt: 'extract',
          States: {
            extract: {
              Type: 'Pass',
              Result: { state: 'failed', output: null, error: { Error: 'Boom', Cause: 'bad row' }, try: 2 },
              ResultPath: '$.tasks.extract_customers',
              Next: 'load',
            },
            load: {
              Type: 'Pass',
              Result: { state: 'upstream_failed', output: null },
              ResultPath: '$.tasks.load',
              Next: 'run:failed',
            },
            'run:failed': { Type: 'Fail', Error: 'DagRunFailed', Cause: 'a leaf task failed' },
          },
        }),
      }),
    );
    // Where queued runs start: the DAG's live alias (here a state machine that keeps them running).
    const live = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-nightly-live',
        roleArn: role,
        definition: JSON.stringify({ StartAt: 'hold', States: { hold: { Type: 'Wait', Seconds: 30, End: true } } }),
      }),
    );
    const dagRecord = {
      dagId: 'nightly',
      dagVersion: 'v2',
      file: 'dags/nightly.ts',
      aliasArn: live.stateMachineArn!,
      stateMachineArn: live.stateMachineArn!,
      schedule: { expression: '@daily', timezone: 'UTC', catchup: false },
      params: {},
      maxActiveRuns: 1,
      taskIds: { extract_customers: 'extract.customers' },
      disabled: false,
      updatedAt: '2026-11-24T00:00:00Z',
    };
    await writeDagRecord(dynamo(), tables.dags, dagRecord);
    // Two runs wait for the one place maxActiveRuns leaves, as the trigger queued them.
    const queued = ['manual__2026-11-24T00:01:00+00:00', 'manual__2026-11-24T00:02:00+00:00'];
    for (const [index, runId] of queued.entries()) {
      const queuedAt = `2026-11-24T00:0${index + 1}:00.000Z#${runId}`;
      await dynamo().send(
        new PutItemCommand({
          TableName: tables.queuedRuns,
          Item: {
            dagId: { S: 'nightly' },
            queuedAt: { S: queuedAt },
            runId: { S: runId },
            input: { S: JSON.stringify({ ctx: { ...ctx, runId }, tasks: {}, gates: {} }) },
          },
        }),
      );
      await dynamo().send(
        new PutItemCommand({
          TableName: tables.runs,
          Item: {
            dagId: { S: 'nightly' },
            runId: { S: runId },
            state: { S: 'queued' },
            queuedAt: { S: queuedAt },
            triggeredAt: { S: queuedAt.slice(0, 24) },
          },
        }),
      );
    }

    const input = JSON.stringify({ ctx, tasks: {}, gates: {} });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: failing.stateMachineArn!, name: executionName(ctx.runId), input }),
    );
    // The trigger's record of the run; a worker that died still holds a pool slot for one of its tries.
    await dynamo().send(
      new PutItemCommand({
        TableName: tables.runs,
        Item: {
          dagId: { S: 'nightly' },
          runId: { S: ctx.runId },
          state: { S: 'running' },
          dagVersion: { S: 'v2' },
          executionArn: { S: executionArn! },
          triggeredAt: { S: '2026-11-24T00:00:01.000Z' },
        },
      }),
    );
    // A new version went live since the run started; the run's task ids are those of its own version, v2.
    await writeDagRecord(dynamo(), tables.dags, { ...dagRecord, dagVersion: 'v3', taskIds: {} });
    const pools = new PoolSlots(dynamo(), tables.poolSlots, { warehouse: 2 });
    expect(
      await pools.take('warehouse', 2, { executionArn: executionArn!, taskId: 'load', mapIndex: -1, tryNumber: 1 }),
    ).toBe(true);
    // Another of its tries still waits in the pool's queue: it will never ask again.
    const waiting = { executionArn: executionArn!, taskId: 'report', mapIndex: -1, tryNumber: 1 };
    expect(await pools.take('warehouse', 1, waiting)).toBe(false);

    let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    for (let i = 0; i < 100 && described.status === 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(described.status).toBe('FAILED');
    const failed = statusEvent({
      executionArn: executionArn!,
      stateMachineArn: failing.stateMachineArn!,
      name: described.name!,
      status: 'FAILED',
      startDate: described.startDate!.getTime(),
      stopDate: described.stopDate!.getTime(),
      input,
      output: null,
      error: described.error ?? null,
      cause: described.cause ?? null,
    });

    await handler(failed);

    const run = await runItem(ctx.runId);
    expect([run?.state?.S, run?.endedAt?.S]).toEqual(['failed', described.stopDate!.toISOString()]);
    const tasks = await dynamo().send(
      new QueryCommand({
        TableName: tables.taskInstances,
        KeyConditionExpression: 'runKey = :run',
        ExpressionAttributeValues: { ':run': { S: `nightly#${ctx.runId}` } },
      }),
    );
    expect(
      (tasks.Items ?? []).map((item) => [item.taskKey?.S, item.state?.S, item.tries?.N, item.error?.S]).sort(),
    ).toEqual([
      ['extract.customers#-1', 'failed', '2', 'Boom'],
      ['load#-1', 'upstream_failed', undefined, undefined],
    ]);
    const sent = await alerts();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.split('\n')).toEqual([
      `DAG nightly, run ${ctx.runId}: FAILED (DagRunFailed)`,
      'logical date 2026-11-23T00:00:00+00:00',
      'failed tasks: extract.customers (Boom)',
      'not run (upstream failed): load',
      `execution: https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`,
    ]);
    expect(await pools.used('warehouse')).toBe(0);
    expect(await pools.waiters('warehouse')).toEqual({});
    const startedOnLive = async () =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: live.stateMachineArn! }))).executions ?? []).map(
        (execution) => execution.name,
      );
    // One place is free (maxActiveRuns 1): the oldest queued run starts, the other keeps waiting.
    expect(await startedOnLive()).toEqual([executionName(queued[0]!)]);
    expect((await runItem(queued[0]!))?.state?.S).toBe('running');
    expect((await runItem(queued[1]!))?.state?.S).toBe('queued');

    // EventBridge delivers the same event again, and the run's RUNNING event only now: nothing changes.
    await handler(failed);
    await handler(statusEvent({ ...failed.detail, status: 'RUNNING', stopDate: null }));
    expect((await runItem(ctx.runId))?.state?.S).toBe('failed');
    expect(await alerts()).toEqual([]);
    expect(await startedOnLive()).toEqual([executionName(queued[0]!)]);
    expect((await runItem(queued[1]!))?.state?.S).toBe('queued');
  });
  it('records a succeeded run from its output, without an alert, and ignores executions that are not Airstep runs', async () => {
    const runId = 'manual__2026-11-25T08:00:00+00:00';
    // A run whose state machine ends at once with its task records (the recorder reads its history too).
    const done = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-nightly-done',
        roleArn: role,
        definition: JSON.stringify({
          StartAt: 'record',
          States: {
            record: {
              Type: 'Pass',
              // `load` skipped itself: its record as AWS writes it (moto drops the cause of a real SkipError).
              Result: {
                extract_customers: { state: 'success', output: 3, try: 1 },
                load: { state: 'skipped', output: null, skip: { Error: 'SkipError', Cause: 'no new customers' } },
              },
              ResultPath: '$.tasks',
              End: true,
            },
          },
        }),
      }),
    );
    const input = JSON.stringify({ ctx: { ...ctx, runId }, tasks: {}, gates: {} });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: done.stateMachineArn!, name: executionName(runId), input }),
    );
    const described = await untilEnded(executionArn!);
    expect(described.status).toBe('SUCCEEDED');
    const detail: ExecutionStatusChange = {
      executionArn: executionArn!,
      stateMachineArn: done.stateMachineArn!,
      name: executionName(runId),
      status: 'SUCCEEDED',
      startDate: Date.parse('2026-11-25T08:00:00Z'),
      stopDate: Date.parse('2026-11-25T08:00:09Z'),
      input,
      output: described.output!,
    };
    // The trigger's record of the run (on version v2).
    await dynamo().send(
      new PutItemCommand({
        TableName: tables.runs,
        Item: { dagId: { S: 'nightly' }, runId: { S: runId }, state: { S: 'running' }, dagVersion: { S: 'v2' } },
      }),
    );
    await handler(statusEvent(detail));
    const run = await runItem(runId);
    expect([run?.state?.S, run?.startedAt?.S, run?.endedAt?.S]).toEqual([
      'success',
      '2026-11-25T08:00:00.000Z',
      '2026-11-25T08:00:09.000Z',
    ]);
    const task = await dynamo().send(
      new GetItemCommand({
        TableName: tables.taskInstances,
        Key: { runKey: { S: `nightly#${runId}` }, taskKey: { S: 'extract.customers#-1' } },
      }),
    );
    expect(task.Item?.state?.S).toBe('success');
    const skipped = await dynamo().send(
      new GetItemCommand({
        TableName: tables.taskInstances,
        Key: { runKey: { S: `nightly#${runId}` }, taskKey: { S: 'load#-1' } },
      }),
    );
    expect([skipped.Item?.state?.S, skipped.Item?.reason?.S, skipped.Item?.error]).toEqual([
      'skipped',
      'no new customers',
      undefined,
    ]);
    expect(await alerts()).toEqual([]);

    await handler(statusEvent({ ...detail, input: JSON.stringify({ some: 'other machine' }) }));
    expect(await alerts()).toEqual([]);

    // A split DAG's child execution carries the run's context too, but the run is its parent's execution: the
    // end of a child (here one that failed) changes neither the run's record nor alerts.
    await handler(
      statusEvent({
        ...detail,
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:airstep-nightly-part-01:5f0c6a1e',
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:airstep-nightly-part-01',
        status: 'FAILED',
        input: JSON.stringify({ ...JSON.parse(input), runExecutionArn: detail.executionArn }),
        output: null,
      }),
    );
    const after = await runItem(runId);
    expect([after?.state?.S, after?.executionArn?.S]).toEqual(['success', detail.executionArn]);
    expect(await alerts()).toEqual([]);
  });
  it('records each item of a mapped task by map index, from a compiled DAG run on moto that failed, one that succeeded and one where an item skipped itself', async () => {
    // list -> each (expand over list's output, one retry) -> combine: a chain, so no Parallel state (a moto gap).
    const mapped = dag({ id: 'mapped_rows', schedule: null });
    const list = mapped.task('list', async () => [] as string[]);
    const each = mapped.expand('each', { over: list, retries: 1, retryDelay: 1 }, async (_ctx, item: string) => item);
    mapped.task('combine', { inputs: { each } }, async () => null);
    const compiled = compileDag(mapped);
    const queue = async (name: string) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: `mapped-rows-${name}` }))).QueueUrl!;
    const controlQueue = await queue('control');
    const taskQueue = await queue('default');
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-mapped_rows',
        roleArn: role,
        definition: fillPlaceholders(compiled.asl!, {
          dagVersion: 'm1',
          controlQueueUrl: controlQueue,
          taskQueueUrls: { default: taskQueue },
        }),
      }),
    );
    await writeDagRecord(dynamo(), tables.dags, {
      dagId: 'mapped_rows',
      dagVersion: 'm1',
      file: 'dags/mapped_rows.ts',
      aliasArn: machine.stateMachineArn!,
      stateMachineArn: machine.stateMachineArn!,
      schedule: { expression: null, timezone: 'UTC', catchup: false },
      params: {},
      maxActiveRuns: 16,
      disabled: false,
      updatedAt: '2026-11-24T00:00:00Z',
    });
    const failingRun = 'manual__2026-11-26T00:00:00+00:00';
    const passingRun = 'manual__2026-11-27T00:00:00+00:00';
    const skippingRun = 'manual__2026-11-28T00:00:00+00:00';
    // In the failing run item 1 fails for good; in both, item 2 fails its first try and succeeds on its second.
    const behaviours: Record<string, Record<string, Behaviour>> = {
      [failingRun]: { list: succeed(['a', 'b', 'c']), each: byItem({ 1: nonRetryable(), 2: failTimes(1) }) },
      [passingRun]: { list: succeed(['a', 'b', 'c']), each: byItem({ 2: failTimes(1) }) },
      // Item 0 throws SkipError: skipped on its first try, never retried.
      [skippingRun]: { list: succeed(['a', 'b', 'c']), each: byItem({ 0: skip('empty partition') }) },
    };
    const calls = new Map<string, number>();
    const worker = new TestWorker({
      sqs,
      sfn,
      taskQueues: [taskQueue],
      controlQueue,
      keyOf: (taskId) => taskId,
      run: (message, heartbeat) => {
        const call = `${message.ctx.runId} ${message.taskId}#${message.mapIndex}`;
        const callIndex = calls.get(call) ?? 0;
        calls.set(call, callIndex + 1);
        return play(behaviours[message.ctx.runId]?.[message.taskId] ?? succeed(), message, {
          dag: mapped,
          callIndex,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          heartbeat,
          heartbeatEveryMs: () => undefined,
        });
      },
    });
    const ran: Record<string, ReturnType<typeof statusEvent>> = {};
    try {
      for (const runId of [failingRun, passingRun, skippingRun]) {
        const input = JSON.stringify({ ctx: { ...ctx, dagId: 'mapped_rows', runId }, tasks: {}, gates: {} });
        const { executionArn } = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn!, name: executionName(runId), input }),
        );
        const described = await untilEnded(executionArn!);
        ran[runId] = statusEvent({
          executionArn: executionArn!,
          stateMachineArn: machine.stateMachineArn!,
          name: described.name!,
          status: described.status as ExecutionStatusChange['status'],
          startDate: described.startDate!.getTime(),
          stopDate: described.stopDate!.getTime(),
          input,
          output: described.output ?? null,
          error: described.error ?? null,
          cause: described.cause ?? null,
        });
      }
    } finally {
      await worker.stop();
    }
    expect([failingRun, passingRun, skippingRun].map((runId) => ran[runId]!.detail.status)).toEqual([
      'FAILED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);

    await handler(ran[failingRun]!);
    // The mapped task's own record sums up its items; each item has its state, its try and its error.
    expect((await taskItems('mapped_rows', failingRun)).sort()).toEqual([
      ['combine#-1', '-1', 'upstream_failed', undefined, undefined],
      ['each#-1', '-1', 'failed', undefined, 'MappedItemFailed'],
      ['each#0', '0', 'success', '1', undefined],
      ['each#1', '1', 'failed', '1', 'NonRetryableError'],
      ['each#2', '2', 'success', '2', undefined],
      ['list#-1', '-1', 'success', '1', undefined],
    ]);
    const sent = await alerts();
    expect(sent.map((message) => message.split('\n')[2])).toEqual(['failed tasks: each[1] (NonRetryableError)']);

    await handler(ran[passingRun]!);
    expect((await taskItems('mapped_rows', passingRun)).sort()).toEqual([
      ['combine#-1', '-1', 'success', '1', undefined],
      ['each#-1', '-1', 'success', undefined, undefined],
      ['each#0', '0', 'success', '1', undefined],
      ['each#1', '1', 'success', '1', undefined],
      ['each#2', '2', 'success', '2', undefined],
      ['list#-1', '-1', 'success', '1', undefined],
    ]);
    expect(await alerts()).toEqual([]);

    await handler(ran[skippingRun]!);
    // The skipped item and the mapped task it skips (no item failed), and combine (all_success) skipped below it.
    expect((await taskItems('mapped_rows', skippingRun)).sort()).toEqual([
      ['combine#-1', '-1', 'skipped', undefined, undefined],
      ['each#-1', '-1', 'skipped', undefined, undefined],
      ['each#0', '0', 'skipped', '1', undefined],
      ['each#1', '1', 'success', '1', undefined],
      ['each#2', '2', 'success', '1', undefined],
      ['list#-1', '-1', 'success', '1', undefined],
    ]);
    expect(await alerts()).toEqual([]);
    expect(calls.get(`${skippingRun} each#0`)).toBe(1);
  });

  it('publishes the mapped_rows runs above with the DAG as dimension (moto stores PutMetricData), and a stack-wide copy', async () => {
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const ofDag = { [DAG_DIMENSION]: 'mapped_rows' };
    // One failed run and two that succeeded; one failed task instance (the item each[1], not also the mapped task
    // each that sums it up, as Airflow counts); a duration for each of the three ended runs.
    expect(await metricTotal(cloudwatch, 'RunsFailed', ofDag)).toBe(1);
    expect(await metricTotal(cloudwatch, 'RunsSucceeded', ofDag)).toBe(2);
    expect(await metricTotal(cloudwatch, 'TasksFailed', ofDag)).toBe(1);
    expect(await metricTotal(cloudwatch, 'RunDuration', ofDag, 'SampleCount')).toBe(3);
    expect(await metricTotal(cloudwatch, 'DeadlineMissed', ofDag)).toBe(0);
    // The same datums under the stack-wide dimension the stack's own alarms watch (other DAGs' runs in it too).
    const { Metrics = [] } = await cloudwatch.send(
      new ListMetricsCommand({ Namespace: METRICS_NAMESPACE, MetricName: 'RunsFailed' }),
    );
    expect(Metrics.map((metric) => metric.Dimensions).sort((a, b) => (a![0]!.Value! < b![0]!.Value! ? -1 : 1))).toEqual(
      [
        [{ Name: STACK_WIDE_DIMENSION, Value: 'airstep-recorder' }],
        [{ Name: DAG_DIMENSION, Value: 'mapped_rows' }],
        [{ Name: DAG_DIMENSION, Value: 'nightly' }],
      ],
    );
    expect(await metricTotal(cloudwatch, 'RunsFailed', { [STACK_WIDE_DIMENSION]: 'airstep-recorder' })).toBe(
      (await metricTotal(cloudwatch, 'RunsFailed', ofDag)) +
        (await metricTotal(cloudwatch, 'RunsFailed', { [DAG_DIMENSION]: 'nightly' })),
    );
  });
});
