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
import { runFargateTry } from '../../lambdas/fargate-worker/fargate-try.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots, type SlotHolder } from '../../lib/worker/pool-slots.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import fargateWeightedHeavy from '../fixtures/lambdas/fargate_weighted_heavy.ts';
import weightedHeavy from '../fixtures/lambdas/weighted_heavy.ts';
import weightedLight from '../fixtures/lambdas/weighted_light.ts';
import { containerEnvironment, ecsRunTaskOnSqs, type RunTaskRequest } from '../helpers/ecs-run-task-on-sqs.ts';
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
let runTaskQueue: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  sqs = new SQSClient(clientConfig);
  sfn = new SFNClient(clientConfig);
  const dynamo = dynamoFor(moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  tables = await createStackTables(dynamo, 'priority');
  pools = new PoolSlots(dynamo, tables.poolSlots, { gate: 1 });
  const queue = (name: string) =>
    sqs
      .send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '20' } }))
      .then((created) => created.QueueUrl!);
  taskQueue = await queue('airstep-priority-tasks');
  controlQueue = await queue('airstep-priority-control');
  runTaskQueue = await queue('airstep-priority-ecs-run-task');
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

const machines = new Map<string, string>();

/** Starts a run of a DAG file, deploying it first (once per DAG). */
async function startRun(file: string, dag: Dag, runName: string): Promise<string> {
  const version = 'v1';
  let machineArn = machines.get(dag.id);
  if (machineArn === undefined) {
    machineArn = await deploy(file, dag, version);
    machines.set(dag.id, machineArn);
  }
  const run = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn,
      name: runName,
      input: JSON.stringify({ ctx: { ...manualContext(dag), runId: `manual__${runName}` }, tasks: {}, gates: {} }),
    }),
  );
  return run.executionArn!;
}

/**
 * Deploys a DAG file as dag-sync does (bundle, manifest, state machine). Its Fargate tasks' RunTask requests go to
 * `runTaskQueue` (moto has no ECS: test/helpers/ecs-run-task-on-sqs.ts).
 */
async function deploy(file: string, dag: Dag, version: string): Promise<string> {
  await storeDagVersion(s3, BUCKET, file, dag, version);
  const definition = fillPlaceholders(compileDag(dag).asl!, {
    dagVersion: version,
    controlQueueUrl: controlQueue,
    taskQueueUrls: { default: taskQueue },
    ecsClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/airstep',
    workerTaskDefinition: 'airstep-worker',
    subnetIds: 'subnet-1,subnet-2',
    securityGroupIds: 'sg-1',
    assignPublicIp: 'ENABLED',
  });
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dag.id}`,
      roleArn: 'arn:aws:iam::123456789012:role/sm',
      definition: ecsRunTaskOnSqs(definition, runTaskQueue),
    }),
  );
  return machine.stateMachineArn!;
}

/**
 * Hands every task message to the worker Lambda (one per invocation, concurrently) and starts an in-process Fargate
 * container for every RunTask request, until the runs end. Gives the held slot back once two tries wait for it.
 */
async function driveUntilEnded(executionArns: readonly string[], held: SlotHolder) {
  const failures: string[] = [];
  const workers: Promise<unknown>[] = [];
  let released = false;
  let described: DescribeExecutionCommandOutput[] = [];
  // A backstop only: the loop ends when the executions do.
  const giveUpAt = Date.now() + 120_000;
  while (Date.now() < giveUpAt) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: taskQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of Messages) workers.push(invoke(message, failures));
    const { Messages: runTasks = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: runTaskQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const request of runTasks) {
      const env = containerEnvironment(JSON.parse(request.Body!) as RunTaskRequest, {
        [STACK_ENV.bucket]: BUCKET,
        [STACK_ENV.taskInstancesTable]: tables.taskInstances,
        [STACK_ENV.poolSlotsTable]: tables.poolSlots,
        [STACK_ENV.pools]: JSON.stringify({ gate: 1 }),
      });
      const standIns = Object.fromEntries(
        Object.entries(STACK_ENV)
          .filter(([, variable]) => env[variable] !== undefined)
          .map(([key, variable]) => [key, env[variable]]),
      );
      workers.push(asRole('fargateWorker', runFargateTry, standIns)(env));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: runTaskQueue, ReceiptHandle: request.ReceiptHandle! }));
    }
    // Give the slot back only once both tries wait for it: the queue, not delivery order, decides.
    if (!released && Object.keys(await pools.waiters('gate')).length === 2) {
      await pools.release('gate', 1, held);
      released = true;
    }
    described = await Promise.all(
      executionArns.map((executionArn) => sfn.send(new DescribeExecutionCommand({ executionArn }))),
    );
    if (described.every((execution) => execution.status !== 'RUNNING')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await Promise.all(workers);
  return { failures, released, described };
}

describe('workers on moto: priority weight', () => {
  it('starts the heavier of two tries queued behind a held pool slot first, whichever was delivered first', async () => {
    const held = { executionArn: 'test-holder', taskId: 'hold', mapIndex: -1, tryNumber: 1 };
    expect(await pools.take('gate', 1, held)).toBe(true);
    // The light DAG's run starts first, so its try is the first to ask for the pool.
    const runs = {
      light: await startRun('test/fixtures/lambdas/weighted_light.ts', weightedLight, 'lambda_pair'),
      heavy: await startRun('test/fixtures/lambdas/weighted_heavy.ts', weightedHeavy, 'lambda_pair'),
    };

    const { failures, released, described } = await driveUntilEnded([runs.heavy, runs.light], held);

    expect(failures).toEqual([]);
    expect(released).toBe(true);
    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [heavy, light] = described.map(
      (execution) => (JSON.parse(execution.output!) as { tasks: { work: Ran } }).tasks.work,
    );
    expect([heavy!.state, light!.state]).toEqual(['success', 'success']);
    // One slot: `light` started only after `heavy` had ended, although both waited for the same release.
    expect(light!.output.startedAt).toBeGreaterThanOrEqual(heavy!.output.endedAt);
    expect(await pools.used('gate')).toBe(0);
    expect(await pools.waiters('gate')).toEqual({});
  });

  it('serves a Fargate try and a Lambda try waiting for the same slot by weight too: the heavier Fargate try first', async () => {
    const held = { executionArn: 'test-holder-2', taskId: 'hold', mapIndex: -1, tryNumber: 1 };
    expect(await pools.take('gate', 1, held)).toBe(true);
    const runs = {
      light: await startRun('test/fixtures/lambdas/weighted_light.ts', weightedLight, 'mixed_pair'),
      heavy: await startRun('test/fixtures/lambdas/fargate_weighted_heavy.ts', fargateWeightedHeavy, 'mixed_pair'),
    };

    const { failures, released, described } = await driveUntilEnded([runs.heavy, runs.light], held);

    expect(failures).toEqual([]);
    expect(released).toBe(true);
    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [heavy, light] = described.map(
      (execution) => (JSON.parse(execution.output!) as { tasks: { work: Ran } }).tasks.work,
    );
    expect(light!.output.startedAt).toBeGreaterThanOrEqual(heavy!.output.endedAt);
    expect(await pools.used('gate')).toBe(0);
    expect(await pools.waiters('gate')).toEqual({});
  });

  it('takes a try whose token gave up out of the queue at its next ask, so it blocks no one until its lease ends', async () => {
    await storeDagVersion(s3, BUCKET, 'test/fixtures/lambdas/weighted_light.ts', weightedLight, 'v1');
    const held = { executionArn: 'test-holder-3', taskId: 'hold', mapIndex: -1, tryNumber: 1 };
    expect(await pools.take('gate', 1, held)).toBe(true);
    const gone = {
      kind: 'task' as const,
      dagId: weightedLight.id,
      dagVersion: 'v1',
      taskId: 'work',
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:airstep-weighted_light:stopped',
      retryCount: 0,
      // No such token: Step Functions answers its heartbeat as it does once a try timed out or its run stopped.
      token: 'a-token-that-gave-up',
      ctx: manualContext(weightedLight),
      inputs: {},
      mapIndex: -1,
    };
    const deferred: number[] = [];
    const handle = asRole('worker', handleWorkerMessage);

    const outcome = await handle(gone, {
      bucket: BUCKET,
      gatesTable: tables.taskInstances,
      sfn,
      s3,
      dynamo: dynamoFor(moto.endpoint),
      pools: { table: tables.poolSlots, capacities: { gate: 1 } },
      defer: async (seconds) => {
        deferred.push(seconds);
      },
    });

    expect(outcome).toBe('already-answered');
    expect(deferred).toEqual([]);
    expect(await pools.waiters('gate')).toEqual({});
    await pools.release('gate', 1, held);
  });
});
