import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFargateTry } from '../../lambdas/fargate-worker/fargate-try.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { FARGATE_ENV } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { PoolSlots } from '../../lib/worker/pool-slots.ts';
import { dagSlotsItem } from '../../lib/worker/slot-claims.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import fargateCallbacks from '../fixtures/lambdas/fargate_callbacks.ts';
import fargateCapped from '../fixtures/lambdas/fargate_capped.ts';
import fargatePooled from '../fixtures/lambdas/fargate_pooled.ts';
import fargateRunAs from '../fixtures/lambdas/fargate_run_as.ts';
import fargateSecrets from '../fixtures/lambdas/fargate_secrets.ts';
import fargateSkip from '../fixtures/lambdas/fargate_skip.ts';
import { containerEnvironment, ecsRunTaskOnSqs, type RunTaskRequest } from '../helpers/ecs-run-task-on-sqs.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The Fargate worker's entry (`runFargateTry`, what the container's main runs) on moto, which enforces
 * HeartbeatSeconds as AWS does. moto has no ECS, so each RunTask request the state machine makes goes to a queue
 * instead (test/helpers/ecs-run-task-on-sqs.ts) and the test starts one in-process "container" per request with
 * the environment the task definition and the RunTask overrides give it. Two runs at once of a DAG whose
 * maxActiveTasks is 1, and of a DAG whose task is in a one-slot pool: the tasks record their start and end and
 * the worker's waits for a slot, and the order of those events shows the tries never overlapped.
 */
const region = 'us-east-1';
const BUCKET = 'airstep-fargate-slots';
const SECRETS_PREFIX = 'airstep/FargateTest';
let moto: RunningEmulator;
let s3: S3Client;
let sqs: SQSClient;
let sfn: SFNClient;
let dynamo: ReturnType<typeof dynamoFor>;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let runTaskQueue: string;
let eventsDir: string;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  sqs = new SQSClient(clientConfig);
  sfn = new SFNClient(clientConfig);
  dynamo = dynamoFor(moto.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  tables = await createStackTables(dynamo, 'fargate');
  runTaskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'ecs-run-task' }))).QueueUrl!;
  eventsDir = mkdtempSync(join(tmpdir(), 'airstep-fargate-events-'));
});
afterAll(async () => {
  await moto?.stop();
  if (eventsDir !== undefined) rmSync(eventsDir, { recursive: true, force: true });
});

/** What the construct puts in the worker task definition's container environment. */
const taskDefinitionEnvironment = () => ({
  [STACK_ENV.bucket]: BUCKET,
  [STACK_ENV.taskInstancesTable]: tables.taskInstances,
  [STACK_ENV.poolSlotsTable]: tables.poolSlots,
  [STACK_ENV.pools]: JSON.stringify({ warehouse: 1 }),
  [STACK_ENV.secretsPrefix]: SECRETS_PREFIX,
});

/**
 * Deploys the DAG file's bundle and state machine, starts one execution per run name, and starts a container for
 * every RunTask request until all executions have ended. Returns the executions, each container's result and the
 * task's event log.
 */
async function runOnMoto(file: string, dag: Dag, runNames: string[]) {
  const version = 'v1';
  const events = join(eventsDir, `${dag.id}.log`);
  writeFileSync(events, '');
  process.env.AIRSTEP_TEST_EVENTS = events;
  await storeDagVersion(s3, BUCKET, file, dag, version);
  const definition = fillPlaceholders(compileDag(dag).asl!, {
    dagVersion: version,
    controlQueueUrl: 'unused',
    taskQueueUrls: { default: 'unused' },
    ecsClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/airstep',
    workerTaskDefinition: 'airstep-worker',
    subnetIds: 'subnet-1,subnet-2',
    securityGroupIds: 'sg-1',
    assignPublicIp: 'ENABLED',
  });
  expect(definition).toContain('arn:aws:states:::ecs:runTask.waitForTaskToken');
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dag.id}`,
      roleArn: 'arn:aws:iam::123456789012:role/sm',
      definition: ecsRunTaskOnSqs(definition, runTaskQueue),
    }),
  );
  const runs = await Promise.all(
    runNames.map((name) =>
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machine.stateMachineArn!,
          name,
          input: JSON.stringify({ ctx: { ...manualContext(dag), runId: `run_${name}` }, tasks: {}, gates: {} }),
        }),
      ),
    ),
  );
  const containers: Array<Promise<string>> = [];
  let described: DescribeExecutionCommandOutput[] = [];
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: runTaskQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of Messages) {
      const request = JSON.parse(message.Body!) as RunTaskRequest;
      const env = containerEnvironment(request, taskDefinitionEnvironment());
      const runId = (JSON.parse(env[FARGATE_ENV.ctx]!) as { runId: string }).runId;
      // The worker's waits for a slot go into the event log, then really wait.
      const sleep = async (ms: number) => {
        writeFileSync(events, `waiting ${runId}\n`, { flag: 'a' });
        await new Promise((resolve) => setTimeout(resolve, ms));
      };
      // The container's Airstep variables name the test's resources for the IAM check (the Fargate task role).
      const standIns = Object.fromEntries(
        Object.entries(STACK_ENV)
          .filter(([, variable]) => env[variable] !== undefined)
          .map(([key, variable]) => [key, env[variable]]),
      );
      containers.push(asRole('fargateWorker', runFargateTry, standIns)(env, { sleep }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: runTaskQueue, ReceiptHandle: message.ReceiptHandle! }));
    }
    described = await Promise.all(
      runs.map((run) => sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn! }))),
    );
    if (described.every((execution) => execution.status !== 'RUNNING')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const results = await Promise.all(containers);
  const log = readFileSync(events, 'utf8').trim().split('\n');
  return { described, results, log };
}

/** The task's own start and end events in order, and the waits seen while each try ran. */
function tries(log: readonly string[]) {
  const order = log.filter((line) => !line.startsWith('waiting '));
  const waitsDuring = (runId: string) => {
    const from = log.indexOf(`start ${runId}`);
    const to = log.indexOf(`end ${runId}`);
    return log.slice(from, to).filter((line) => line.startsWith('waiting ')).length;
  };
  return { order, waitsDuring };
}

describe('Fargate worker on moto: slots', () => {
  it("runs one Fargate try of a DAG whose maxActiveTasks is 1 at a time across its runs; the other container waits, heartbeating past HeartbeatSeconds, and the DAG's slot is free afterwards", async () => {
    const { described, results, log } = await runOnMoto('test/fixtures/lambdas/fargate_capped.ts', fargateCapped, [
      'a',
      'b',
    ]);

    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(results).toEqual(['answered', 'answered']);
    const { order, waitsDuring } = tries(log);
    const [first, second] = [order[0]!.split(' ')[1]!, order[2]!.split(' ')[1]!];
    // One try started, ran to its end, and only then did the other start: never two at once.
    expect(order).toEqual([`start ${first}`, `end ${first}`, `start ${second}`, `end ${second}`]);
    expect(new Set([first, second])).toEqual(new Set(['run_a', 'run_b']));
    // The second container waited while the first try held the slot: six 1 s waits outlast the 5 s
    // HeartbeatSeconds, so only its heartbeats kept its token alive.
    expect(waitsDuring(first)).toBeGreaterThanOrEqual(6);
    expect(log.filter((line) => line === `waiting ${first}`)).toEqual([]);
    const slots = new PoolSlots(dynamo, tables.poolSlots, {});
    expect(await slots.used(dagSlotsItem('fargate_capped'))).toBe(0);
  }, 180_000);

  it('runs one Fargate try at a time in a one-slot pool, and the pool and the DAG slots are free afterwards', async () => {
    const { described, results, log } = await runOnMoto('test/fixtures/lambdas/fargate_pooled.ts', fargatePooled, [
      'c',
      'd',
    ]);

    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(results).toEqual(['answered', 'answered']);
    const { order, waitsDuring } = tries(log);
    const [first, second] = [order[0]!.split(' ')[1]!, order[2]!.split(' ')[1]!];
    expect(order).toEqual([`start ${first}`, `end ${first}`, `start ${second}`, `end ${second}`]);
    expect(new Set([first, second])).toEqual(new Set(['run_c', 'run_d']));
    expect(waitsDuring(first)).toBeGreaterThanOrEqual(1);
    const slots = new PoolSlots(dynamo, tables.poolSlots, { warehouse: 1 });
    expect(await slots.used('warehouse')).toBe(0);
    expect(await slots.used(dagSlotsItem('fargate_pooled'))).toBe(0);
  }, 180_000);

  it('runs a Fargate try under its runAs role: the container assumes it, as the Fargate task role may, and its code reads a data bucket with those credentials', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'airstep-raw' }));
    await s3.send(new PutObjectCommand({ Bucket: 'airstep-raw', Key: 'weather/2026-11-22.json', Body: '{}' }));
    const { described, results, log } = await runOnMoto('test/fixtures/lambdas/fargate_run_as.ts', fargateRunAs, ['a']);

    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(results).toEqual(['answered']);
    const seen = log.filter((line) => line.startsWith('seen ')).map((line) => JSON.parse(line.slice(5)));
    expect(seen).toEqual([
      {
        roleArn: 'arn:aws:iam::111122223333:role/airstep-example-reader',
        accessKeyId: expect.stringMatching(/^ASIA/),
        keys: ['weather/2026-11-22.json'],
      },
    ]);
  }, 150_000);

  it('ends a Fargate try that throws SkipError as skipped: one container, no retry, the all_success downstream skipped without one', async () => {
    const { described, results, log } = await runOnMoto('test/fixtures/lambdas/fargate_skip.ts', fargateSkip, ['s']);

    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(results).toEqual(['answered']);
    expect(log).toEqual(['try 1']);
    const { tasks } = JSON.parse(described[0]!.output!) as { tasks: Record<string, Record<string, unknown>> };
    // moto drops SendTaskFailure's cause (MOTO_GAPS.Cause): the reason is checked on MiniStack and locally.
    expect(tasks.check).toMatchObject({ state: 'skipped', output: null, skip: { Error: 'SkipError' } });
    expect(tasks.after).toEqual({ state: 'skipped', output: null });
  }, 150_000);

  it("calls a Fargate try's own callbacks in its container after answering: onRetry after the failed first try, onSuccess after the second", async () => {
    const { described, results, log } = await runOnMoto(
      'test/fixtures/lambdas/fargate_callbacks.ts',
      fargateCallbacks,
      ['c'],
    );

    expect(described.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(results).toEqual(['answered', 'answered']);
    // Each container writes its try, then its callback; the two containers' lines may interleave.
    expect([...log].sort()).toEqual(
      ['onRetry 1 up_for_retry RangeError: warehouse busy', 'onSuccess 2 success', 'try 1', 'try 2'].sort(),
    );
    expect(log.indexOf('try 1')).toBeLessThan(log.indexOf('onRetry 1 up_for_retry RangeError: warehouse busy'));
    expect(log.indexOf('try 2')).toBeLessThan(log.indexOf('onSuccess 2 success'));
  }, 150_000);

  it('reads a variable from SSM and a connection from Secrets Manager in a Fargate try, and masks the password in its log lines', async () => {
    const config = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
    await new SSMClient(config).send(
      new PutParameterCommand({ Name: `/${SECRETS_PREFIX}/variables/bucket`, Value: 'fargate-bucket', Type: 'String' }),
    );
    await new SecretsManagerClient(config).send(
      new CreateSecretCommand({
        Name: `${SECRETS_PREFIX}/connections/warehouse`,
        SecretString: JSON.stringify({
          conn_type: 'postgres',
          host: 'wh.internal',
          login: 'etl',
          password: 'fargate-pw-123',
        }),
      }),
    );
    // The container writes its log lines with console.log (stdout, the awslogs driver): kept here to look for the
    // password.
    const lines: string[] = [];
    const log = console.log;
    console.log = (...values: unknown[]) => {
      lines.push(values.map(String).join(' '));
      log(...values);
    };
    let ran: Awaited<ReturnType<typeof runOnMoto>>;
    try {
      ran = await runOnMoto('test/fixtures/lambdas/fargate_secrets.ts', fargateSecrets, ['s']);
    } finally {
      console.log = log;
    }
    expect(ran.described.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(ran.log).toEqual(['read fargate-bucket wh.internal']);
    const output = lines.join('');
    expect(output).toContain('login etl password ***');
    expect(output).not.toContain('fargate-pw-123');
  });
});
