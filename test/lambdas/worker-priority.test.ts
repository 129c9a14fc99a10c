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
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import weightedHeavy from '../fixtures/lambdas/weighted_heavy.ts';
import weightedLight from '../fixtures/lambdas/weighted_light.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The worker Lambda's handler on moto with two tries of different priority weights (one-task runs of two DAGs
 * sharing a pool) queued behind a pool slot the test holds. Messages are handed to the handler one per invocation, concurrently, as the Lambda event source
 * (batch size 1) does; a deferred try comes back as a new delayed message. The slot is given back only once both
 * tries are registered as waiters, so which one runs first is decided by the queue, not by delivery order.
 */
const region = 'us-east-1';
const BUCKET = 'airstep-worker-priority';
let moto: RunningEmulator;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
let s3: S3Client;
let sqs: SQSClient;
let sfn: SFNClient;
let pools: PoolSlots;
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
  const dynamo = dynamoFor(moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const tables = await createStackTables(dynamo, 'priority');
  pools = new PoolSlots(dynamo, tables.poolSlots, { gate: 1 });
  const queue = (name: string) =>
    sqs
      .send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '20' } }))
      .then((created) => created.QueueUrl!);
  taskQueue = await queue('airstep-priority-tasks');
  controlQueue = await queue('airstep-priority-control');
  taskQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: taskQueue, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  Object.assign(process.env, {
    [STACK_ENV.bucket]: BUCKET,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.pools]: JSON.stringify({ gate: 1 }),
  });
  handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler, {
    taskQueueUrls: JSON.stringify({ default: taskQueue }),
  });
});
afterAll(async () => {
  await moto?.stop();
});

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

type Ran = { state: string; output: { startedAt: number; endedAt: number } };

/** Deploys a DAG file (bundle, manifest, state machine) and starts one run of it. */
async function startRun(file: string, dag: Dag): Promise<string> {
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
  const run = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.stateMachineArn!,
      name: 'weighted',
      input: JSON.stringify({ ctx: manualContext(dag), tasks: {}, gates: {} }),
    }),
  );
  return run.executionArn!;
}

describe('worker Lambda on moto: priority weight', () => {
  it('starts the heavier of two tries queued behind a held pool slot first, whichever was delivered first', async () => {
    const held = { executionArn: 'test-holder', taskId: 'hold', mapIndex: -1, tryNumber: 1 };
    expect(await pools.take('gate', 1, held)).toBe(true);
    // The light DAG's run starts first, so its try is the first to ask for the pool.
    const runs = {
      light: await startRun('test/fixtures/lambdas/weighted_light.ts', weightedLight),
      heavy: await startRun('test/fixtures/lambdas/weighted_heavy.ts', weightedHeavy),
    };

    const failures: string[] = [];
    const invocations: Promise<void>[] = [];
    const deliveredFirst: string[] = [];
    let released = false;
    let described: DescribeExecutionCommandOutput[] = [];
    // A backstop only: the loop ends when both executions do.
    const giveUpAt = Date.now() + 120_000;
    while (Date.now() < giveUpAt) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: taskQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      for (const message of Messages) {
        const dagId = (JSON.parse(message.Body!) as { dagId: string }).dagId;
        if (!deliveredFirst.includes(dagId)) deliveredFirst.push(dagId);
        invocations.push(invoke(message, failures));
      }
      // Give the slot back only once both tries wait for it: the queue, not delivery order, decides.
      if (!released && Object.keys(await pools.waiters('gate')).length === 2) {
        await pools.release('gate', 1, held);
        released = true;
      }
      described = await Promise.all(
        [runs.heavy, runs.light].map((executionArn) => sfn.send(new DescribeExecutionCommand({ executionArn }))),
      );
      if (described.every((execution) => execution.status !== 'RUNNING')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.all(invocations);

    expect(failures).toEqual([]);
    expect(released).toBe(true);
    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [heavy, light] = described.map(
      (execution) => (JSON.parse(execution.output!) as { tasks: { work: Ran } }).tasks.work,
    );
    expect([heavy!.state, light!.state]).toEqual(['success', 'success']);
    // One slot: `light` started only after `heavy` had ended, although both waited for the same release.
    expect(light!.output.startedAt).toBeGreaterThanOrEqual(heavy!.output.endedAt);
    expect(deliveredFirst).toHaveLength(2);
    expect(await pools.used('gate')).toBe(0);
    expect(await pools.waiters('gate')).toEqual({});
  });
});
