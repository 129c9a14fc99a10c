import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, type Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { isXComRef } from '../../lib/runtime/xcom.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import workerDag from '../fixtures/lambdas/worker_dag.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The worker Lambda's handler on MiniStack's Step Functions (which runs the Parallel states and gates moto
 * cannot): the DAG bundled as dag-sync bundles it and stored under artifacts/, its state machine, and SQS
 * messages handed to the handler as the Lambda event source would.
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-test';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda', () => {
  it('runs every task of a bundled DAG (a branch into a task group too), opens gates, offloads large results, and answers a redelivery once', async () => {
    const region = 'us-east-1';
    const s3 = new S3Client({
      endpoint: emulator.endpoint,
      region,
      forcePathStyle: true,
      credentials: emulatorCredentials,
    });
    const sqs = new SQSClient({ endpoint: emulator.endpoint, region, credentials: emulatorCredentials });
    const sfn = new SFNClient({ endpoint: emulator.endpoint, region, credentials: emulatorCredentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const tables = await createStackTables(dynamoFor(emulator.endpoint), 'worker');
    const taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'worker-tasks' }))).QueueUrl!;
    const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'worker-control' }))).QueueUrl!;
    process.env[STACK_ENV.bucket] = BUCKET;
    process.env[STACK_ENV.taskInstancesTable] = tables.taskInstances;
    process.env[STACK_ENV.poolSlotsTable] = tables.poolSlots;
    process.env[STACK_ENV.pools] = JSON.stringify({});
    const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);

    const version = 'v1';
    await storeDagVersion(s3, BUCKET, 'test/fixtures/lambdas/worker_dag.ts', workerDag, version);
    const definition = fillPlaceholders(compileDag(workerDag).asl!, {
      dagVersion: version,
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-worker_dag',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx: manualContext(workerDag), tasks: {}, gates: {} }),
      }),
    );

    const event = (messages: Message[]): SQSEvent =>
      ({ Records: messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })) }) as unknown as SQSEvent;
    const {
      described,
      delivered,
      failures: results,
    } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
      deadlineMs: 60_000,
    });
    const redelivered = delivered.find((m) => JSON.parse(m.Body!).kind === 'task');
    const earlyGate = delivered.map((m) => JSON.parse(m.Body!)).find((body) => body.taskId === 'first_of_two');
    expect(earlyGate).toMatchObject({ kind: 'gate', openWhen: ['success'] });
    expect(results).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, { state: string; output?: unknown }> };
    expect(Object.fromEntries(Object.entries(tasks).map(([key, record]) => [key, record.state]))).toMatchObject({
      slow: 'success',
      fast: 'success',
      join: 'success',
      after_fast: 'success',
      first_of_two: 'success',
      big: 'success',
      count: 'success',
      double: 'success',
      // A branch into a task group: the group runs, the other path is skipped.
      choose: 'success',
      g_first: 'success',
      g_second: 'success',
      other: 'skipped',
    });
    expect(isXComRef(tasks.big!.output)).toBe(true);
    expect((tasks.big!.output as { xcomRef: string }).xcomRef).toMatch(
      /^s3:\/\/airstep-worker-test\/xcom\/worker_dag\//,
    );

    // The same task message again (SQS redelivers, e.g. after a visibility timeout): its try was answered, so it is
    // skipped before the task runs a second time.
    const again = await handler(event([redelivered!]));
    expect(again.batchItemFailures).toEqual([]);
    const direct = await handleWorkerMessage(JSON.parse(redelivered!.Body!), {
      bucket: BUCKET,
      gatesTable: tables.taskInstances,
      sfn,
      s3,
      dynamo: dynamoFor(emulator.endpoint),
    });
    expect(direct).toBe('duplicate');
  });
});
