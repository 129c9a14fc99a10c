import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import type { CallbackMessage } from '../../lib/compiler/worker-contract.ts';
import { writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { DEADLINE_EVENT_SOURCE, type DeadlineMissEvent } from '../../lib/runs/deadline-schedule.ts';
import type { ExecutionStatusChange } from '../../lib/runs/record-execution.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import cloud from '../fixtures/lambdas/cloud_calling_back.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * Callbacks in the cloud, on moto (its timeouts are AWS's): the worker Lambda's handler runs a compiled DAG's
 * tries and calls each try's own callback after answering it; the recorder Lambda's handler, given the failed
 * run's status change, sends the callbacks no worker saw end (the try that timed out, the run's) to the control
 * queue, where the worker handler calls them from the bundle, once, however often they are delivered.
 */
const region = 'us-east-1';
const BUCKET = 'airstep-callbacks-test';
const notes = join(tmpdir(), `airstep-cloud-callbacks-${process.pid}.jsonl`);
type Entry = Record<string, unknown> & { name: string; taskId?: string };

let moto: RunningEmulator;
let sqs: SQSClient;
let sfn: SFNClient;
let taskQueue: string;
let controlQueue: string;
let machineArn: string;
let worker: (event: SQSEvent) => Promise<SQSBatchResponse>;
let recorder: (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange> | DeadlineMissEvent,
) => Promise<void>;
let runsTable: string;

const entries = async (): Promise<Entry[]> =>
  (await readFile(notes, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
const asEvent = (bodies: readonly string[]) =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as unknown as SQSEvent;

/** Receives the queue's messages until `count` arrived (a deadline only catches a hang), deleting them. */
async function receive(url: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + 60_000;
  while (got.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of Messages)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    got.push(...Messages);
  }
  return got;
}

beforeAll(async () => {
  await rm(notes, { force: true });
  process.env.AIRSTEP_TEST_CALLBACKS = notes;
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  sqs = new SQSClient(clientConfig);
  sfn = new SFNClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const tables = await createStackTables(dynamoFor(moto.endpoint), 'callbacks');
  taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'callbacks-tasks' }))).QueueUrl!;
  controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'callbacks-control' }))).QueueUrl!;
  const topicArn = (await new SNSClient(clientConfig).send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
  Object.assign(process.env, {
    [STACK_ENV.bucket]: BUCKET,
    [STACK_ENV.controlQueueUrl]: controlQueue,
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.alertsTopicArn]: topicArn,
    [STACK_ENV.pools]: JSON.stringify({}),
    [STACK_ENV.deadlineScheduleGroup]: 'callbacks-deadlines',
  });
  runsTable = tables.runs;
  worker = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);
  recorder = asRole('recorder', (await import('../../lambdas/recorder/index.ts')).handler);

  const compiled = await storeDagVersion(s3, BUCKET, 'test/fixtures/lambdas/cloud_calling_back.ts', cloud, 'v1');
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: 'airstep-cloud_calling_back',
      definition: fillPlaceholders(compiled.asl!, {
        dagVersion: 'v1',
        controlQueueUrl: controlQueue,
        taskQueueUrls: { default: taskQueue },
      }),
      roleArn: 'arn:aws:iam::000000000000:role/sm',
    }),
  );
  machineArn = machine.stateMachineArn!;
  await writeDagRecord(dynamoFor(moto.endpoint), tables.dags, {
    dagId: cloud.id,
    dagVersion: 'v1',
    file: 'dags/cloud_calling_back.ts',
    aliasArn: machine.stateMachineArn!,
    stateMachineArn: machine.stateMachineArn!,
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    params: {},
    maxActiveRuns: 16,
    disabled: false,
    updatedAt: '2026-12-06T00:00:00Z',
  });
});
afterAll(async () => {
  await moto?.stop();
  await rm(notes, { force: true });
});

describe('callbacks on the Lambda worker and from the recorder', () => {
  const ctx = manualContext(cloud);
  let executionArn: string;
  let taskBodies: string[];
  let sentByRecorder: Message[];
  let statusChange: ExecutionStatusChange;

  beforeAll(async () => {
    executionArn = (
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          name: 'run',
          input: JSON.stringify({ ctx, tasks: {}, gates: {} }),
        }),
      )
    ).executionArn!;
    // `slow`'s worker never answers: its messages are held back, so its executionTimeout ends the try.
    const holdingSlow = (event: SQSEvent) =>
      worker({ Records: event.Records.filter((record) => JSON.parse(record.body).taskId !== 'slow') } as SQSEvent);
    const { described, delivered, failures } = await driveWorker({
      sqs,
      sfn,
      handler: holdingSlow,
      queues: [taskQueue],
      executionArn,
    });
    expect(failures).toEqual([]);
    expect(described?.status).toBe('FAILED');
    taskBodies = delivered.map((m) => m.Body!);
    const ended = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    statusChange = {
      executionArn,
      stateMachineArn: ended.stateMachineArn!,
      name: 'run',
      status: 'FAILED',
      startDate: ended.startDate!.getTime(),
      stopDate: ended.stopDate!.getTime(),
      input: ended.input!,
      ...(ended.error !== undefined ? { error: ended.error } : {}),
      ...(ended.cause !== undefined ? { cause: ended.cause } : {}),
    };
    await recorder({
      version: '0',
      id: 'event-failed',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: new Date(statusChange.stopDate!).toISOString(),
      region,
      resources: [executionArn],
      detail: statusChange,
    });
    sentByRecorder = await receive(controlQueue, 3);
  }, 180_000);

  it("calls a try's own onRetry, then onFailure after the last try, on the worker after answering it", async () => {
    const flaky = (await entries()).filter((entry) => entry.taskId === 'flaky');
    const error = { name: 'TypeError', message: 'flaky source' };
    expect(flaky).toEqual([
      { name: 'onRetry', runId: ctx.runId, taskId: 'flaky', mapIndex: -1, tryNumber: 1, state: 'up_for_retry', error },
      { name: 'onFailure', runId: ctx.runId, taskId: 'flaky', mapIndex: -1, tryNumber: 2, state: 'failed', error },
    ]);
    expect((await entries()).filter((entry) => entry.taskId === 'fine').map((entry) => entry.name)).toEqual([
      'onSuccess',
    ]);
  });

  it('sends the timed-out tries their onRetry then onFailure, and the run its onFailure, as callback messages to the control queue', () => {
    // A standard queue keeps no order: compared sorted.
    const messages = sentByRecorder
      .map((m) => JSON.parse(m.Body!) as CallbackMessage)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(
      messages.map((m) => [m.callback.of, m.callback.name, m.callback.of === 'task' ? m.callback.taskId : null]),
    ).toEqual([
      ['dag', 'onFailure', null],
      ['task', 'onRetry', 'slow'],
      ['task', 'onFailure', 'slow'],
    ]);
    expect(messages[1]).toMatchObject({
      kind: 'callback',
      dagId: cloud.id,
      dagVersion: 'v1',
      executionArn,
      error: { name: 'States.Timeout' },
    });
  });

  it("runs the recorder's callbacks on the worker from the bundle, each once however often it is delivered", async () => {
    const bodies = sentByRecorder.map((m) => m.Body!);
    await worker(asEvent(bodies));
    const once = await entries();
    const timeout = { name: 'States.Timeout', message: 'the try ran longer than its executionTimeout' };
    const byTry = (a: Entry, b: Entry) => Number(a.tryNumber) - Number(b.tryNumber);
    expect(once.filter((entry) => entry.taskId === 'slow').sort(byTry)).toEqual([
      {
        name: 'onRetry',
        runId: ctx.runId,
        taskId: 'slow',
        mapIndex: -1,
        tryNumber: 1,
        state: 'up_for_retry',
        error: timeout,
      },
      {
        name: 'onFailure',
        runId: ctx.runId,
        taskId: 'slow',
        mapIndex: -1,
        tryNumber: 2,
        state: 'failed',
        error: timeout,
      },
    ]);
    expect(once.filter((entry) => entry.name === 'dag.onFailure')).toEqual([
      {
        name: 'dag.onFailure',
        runId: ctx.runId,
        state: 'failed',
        error: expect.objectContaining({ name: expect.any(String) }),
      },
    ]);
    // Redelivered messages, and the recorder handling the same event again: nothing is called twice.
    await worker(asEvent(bodies));
    await recorder({
      version: '0',
      id: 'event-failed-again',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: new Date(statusChange.stopDate!).toISOString(),
      region,
      resources: [executionArn],
      detail: statusChange,
    });
    const resent = await receive(controlQueue, 3);
    const ids = (list: Message[]) => list.map((m) => JSON.parse(m.Body!).id as string).sort();
    expect(ids(resent)).toEqual(ids(sentByRecorder));
    await worker(asEvent(resent.map((m) => m.Body!)));
    // A task message delivered again after its try was answered runs nothing, so calls no callback either.
    await worker(asEvent(taskBodies.filter((body) => JSON.parse(body).taskId === 'fine')));
    expect(await entries()).toEqual(once);
  });

  it("sends a missed deadline's callback to the control queue; the worker calls it from the bundle, once", async () => {
    // The trigger records the version a run runs; the run ended (recorded above) after this deadline.
    await dynamoFor(moto.endpoint).send(
      new UpdateItemCommand({
        TableName: runsTable,
        Key: { dagId: { S: cloud.id }, runId: { S: ctx.runId } },
        UpdateExpression: 'SET dagVersion = :v',
        ExpressionAttributeValues: { ':v': { S: 'v1' } },
      }),
    );
    const deadline = new Date(statusChange.startDate).toISOString();
    const miss: DeadlineMissEvent = {
      source: DEADLINE_EVENT_SOURCE,
      dagId: cloud.id,
      runId: ctx.runId,
      deadline,
      alert: false,
    };
    await recorder(miss);
    const sent = await receive(controlQueue, 1);
    const message = JSON.parse(sent[0]!.Body!) as CallbackMessage;
    expect(message).toMatchObject({
      kind: 'callback',
      dagId: cloud.id,
      dagVersion: 'v1',
      executionArn,
      ctx: { runId: ctx.runId },
      callback: { of: 'deadline', name: 'deadline.callback', state: 'deadline_missed', deadline },
    });
    const before = await entries();
    await worker(asEvent([sent[0]!.Body!]));
    await worker(asEvent([sent[0]!.Body!]));
    const called = (await entries()).slice(before.length);
    expect(called).toEqual([{ name: 'deadline.callback', runId: ctx.runId, state: 'deadline_missed', deadline }]);
  });
});
