import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';
import { dagSlotsItem } from '../../lib/worker/slot-claims.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import capped from '../fixtures/lambdas/capped.ts';
import pooledChain from '../fixtures/lambdas/pooled_chain.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The worker Lambda's handler on moto, which enforces HeartbeatSeconds as AWS does: two runs of a chain DAG at
 * once, whose first task outlives its heartbeat timeout and holds the one slot of its pool; two runs of a DAG
 * whose maxActiveTasks is 1. Messages are taken
 * from the task queue and handed to the handler one per invocation, concurrently, as the Lambda event source
 * (batch size 1) does; a message is deleted when its invocation reports no failure.
 */
const region = 'us-east-1';
const BUCKET = 'airstep-worker-pools';
let moto: RunningEmulator;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
let s3: S3Client;
let sqs: SQSClient;
let sfn: SFNClient;
let dynamo: ReturnType<typeof dynamoFor>;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let taskQueue: string;
let taskQueueArn: string;
let controlQueue: string;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  sqs = new SQSClient(clientConfig);
  sfn = new SFNClient(clientConfig);
  dynamo = dynamoFor(moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  tables = await createStackTables(dynamo, 'pools');
  const queue = (name: string) =>
    sqs
      .send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '20' } }))
      .then((created) => created.QueueUrl!);
  taskQueue = await queue('airstep-tasks');
  controlQueue = await queue('airstep-control');
  taskQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: taskQueue, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  Object.assign(process.env, {
    [STACK_ENV.bucket]: BUCKET,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.pools]: JSON.stringify({ warehouse: 1 }),
  });
  // The worker finds the task queue of a deferred try from its event source: the test's queue stands for the
  // stack's default task queue.
  handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler, {
    taskQueueUrls: JSON.stringify({ default: taskQueue }),
  });
});
afterAll(async () => {
  await moto?.stop();
});

/** The worker Lambda invoked with one message, as its event source does; the message is deleted unless it failed. */
async function invoke(message: Message, failures: string[]): Promise<void> {
  const event = {
    Records: [
      {
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body!,
        eventSourceARN: taskQueueArn,
      },
    ],
  } as unknown as SQSEvent;
  const response = await handler(event);
  failures.push(...response.batchItemFailures.map((failure) => failure.itemIdentifier));
  if (response.batchItemFailures.length === 0) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: taskQueue, ReceiptHandle: message.ReceiptHandle! }));
  }
}

/**
 * Deploys a DAG file's bundle and state machine, starts one execution per run name, and feeds every task message
 * to the handler (concurrently, one per invocation) until all executions have ended.
 */
async function runOnMoto(file: string, dag: Dag, runNames: string[]) {
  const version = 'v1';
  await storeDagVersion(s3, BUCKET, file, dag, version);
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dag.id}`,
      roleArn: 'arn:aws:iam::123456789012:role/sm',
      definition: fillPlaceholders(compileDag(dag).asl!, {
        dagVersion: version,
        controlQueueUrl: controlQueue,
        taskQueueUrls: { default: taskQueue },
      }),
    }),
  );
  const runs = await Promise.all(
    runNames.map((name) => {
      const ctx = { ...manualContext(dag), runId: `manual__run_${name}` };
      return sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machine.stateMachineArn!,
          name,
          input: JSON.stringify({ ctx, tasks: {}, gates: {} }),
        }),
      );
    }),
  );
  const delivered: Message[] = [];
  const failures: string[] = [];
  const invocations: Promise<void>[] = [];
  let described: DescribeExecutionCommandOutput[] = [];
  // A backstop for a hang, never a pace: two 10 s holds one after the other, each try sent again while it waits
  // for the slot, took 31 s beside two CPU hogs (45 s was too close for CI's whole suite beside them).
  const deadline = Date.now() + 200_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: taskQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of Messages) {
      delivered.push(message);
      invocations.push(invoke(message, failures));
    }
    described = await Promise.all(
      runs.map((run) => sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn! }))),
    );
    if (described.every((execution) => execution.status !== 'RUNNING')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await Promise.all(invocations);
  return { described, delivered, failures };
}

type Ran = { state: string; output: { startedAt: number; endedAt: number } };

describe('worker Lambda on moto', () => {
  it('keeps a long try alive with heartbeats, runs one try at a time in a one-slot pool, and skips a redelivered answered try', async () => {
    const { described, delivered, failures } = await runOnMoto('test/fixtures/lambdas/pooled_chain.ts', pooledChain, [
      'a',
      'b',
    ]);

    expect(failures).toEqual([]);
    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    type Tasks = { hold: Ran; report: { state: string } };
    const outputs = described.map((execution) => (JSON.parse(execution.output!) as { tasks: Tasks }).tasks);
    // Each `hold` ran 10 s against a 9 s HeartbeatSeconds: only the worker's heartbeats kept it alive.
    for (const tasks of outputs) {
      expect([tasks.hold.state, tasks.report.state]).toEqual(['success', 'success']);
      expect(tasks.hold.output.endedAt - tasks.hold.output.startedAt).toBeGreaterThan(9500);
    }
    // One slot: the second run's `hold` started after the first one's ended, and waited by being sent again.
    const [first, second] = outputs.map((tasks) => tasks.hold.output).sort((a, b) => a.startedAt - b.startedAt);
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt);
    const holdDeliveries = delivered.filter((message) => JSON.parse(message.Body!).taskId === 'hold');
    expect(holdDeliveries.length).toBeGreaterThan(2);
    expect(await new PoolSlots(dynamo, tables.poolSlots, { warehouse: 1 }).used('warehouse')).toBe(0);

    // The first `hold` message again (SQS may deliver a message twice): its try was answered, so nothing runs.
    const again = holdDeliveries[0]!;
    await invoke({ ...again, ReceiptHandle: again.ReceiptHandle! }, failures);
    expect(failures).toEqual([]);
    expect(
      await handleWorkerMessage(JSON.parse(again.Body!), {
        bucket: BUCKET,
        gatesTable: tables.taskInstances,
        sfn,
        s3,
        dynamo,
      }),
    ).toBe('duplicate');
  }, 240_000);
  it('runs one task of a DAG whose maxActiveTasks is 1 at a time across its runs, the other waiting by being sent again', async () => {
    const { described, delivered, failures } = await runOnMoto('test/fixtures/lambdas/capped.ts', capped, ['c', 'd']);

    expect(failures).toEqual([]);
    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const ran = described.map((execution) => (JSON.parse(execution.output!) as { tasks: { work: Ran } }).tasks.work);
    expect(ran.map((work) => work.state)).toEqual(['success', 'success']);
    // Two runs, no pool: the DAG's cap alone kept the tries apart.
    const [first, second] = ran.map((work) => work.output).sort((a, b) => a.startedAt - b.startedAt);
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.endedAt);
    expect(delivered.length).toBeGreaterThan(2);
    expect(await new PoolSlots(dynamo, tables.poolSlots, {}).used(dagSlotsItem('capped'))).toBe(0);
  }, 240_000);
});
