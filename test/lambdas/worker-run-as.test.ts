import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import runAsDag from '../fixtures/run-as/run_as.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * A task with `runAs` on the worker Lambda's handler (moto, which implements STS AssumeRole and hands out
 * credentials of its own): the worker assumes the role the default stack lists, and the task's code gets those
 * credentials through `ctx.aws`, whose client reads a data bucket. The handler runs as the worker role, so the IAM
 * check proves the stack lets the worker assume that role.
 */
let moto: RunningEmulator;
const BUCKET = 'airstep-worker-run-as';
const ROLE = 'arn:aws:iam::111122223333:role/airstep-example-reader';

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
});
afterAll(async () => {
  await moto?.stop();
});

describe('worker Lambda and runAs', () => {
  it("assumes a task's runAs role and hands its code clients with those credentials; a task without runAs gets the worker's", async () => {
    const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const sqs = new SQSClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: 'airstep-raw' }));
    await s3.send(new PutObjectCommand({ Bucket: 'airstep-raw', Key: 'orders/2026-11-22.csv', Body: 'id\n1\n' }));
    const tables = await createStackTables(dynamoFor(moto.endpoint), 'runas');
    const taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'runas-tasks' }))).QueueUrl!;
    const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'runas-control' }))).QueueUrl!;
    Object.assign(process.env, {
      [STACK_ENV.bucket]: BUCKET,
      [STACK_ENV.taskInstancesTable]: tables.taskInstances,
      [STACK_ENV.poolSlotsTable]: tables.poolSlots,
      [STACK_ENV.pools]: JSON.stringify({}),
    });
    const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);

    const compiled = await storeDagVersion(s3, BUCKET, 'test/fixtures/run-as/run_as.ts', runAsDag, 'v1');
    const runAsOf = Object.fromEntries(compiled.manifest!.tasks.map((task) => [task.id, task.runAs ?? null]));
    // The DAG's default reaches its code task; the task that unsets it and the wait step have none.
    expect(runAsOf).toEqual({ read_as_role: ROLE, own_role: null, pause: null, report: ROLE });
    const definition = fillPlaceholders(compileDag(runAsDag).asl!, {
      dagVersion: 'v1',
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
      // The wait step writes its own task-instance record (lib/compiler/task-instance-write.ts).
      taskInstancesTable: tables.taskInstances,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-run_as',
        definition,
        roleArn: 'arn:aws:iam::123456789012:role/sm',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx: manualContext(runAsDag), tasks: {}, gates: {} }),
      }),
    );

    const failures: string[] = [];
    let described: DescribeExecutionCommandOutput | undefined;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      for (const url of [taskQueue, controlQueue]) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) continue;
        const event = { Records: Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })) };
        const response = await handler(event as unknown as SQSEvent);
        failures.push(...response.batchItemFailures.map((failure) => failure.itemIdentifier));
        for (const m of Messages)
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
      }
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(failures).toEqual([]);
    expect(described?.cause ?? '').toBe('');
    expect(described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, { state: string; output?: unknown }> };
    expect(Object.values(tasks).map((task) => task.state)).toEqual(['success', 'success', 'success', 'success']);
    const own = tasks.own_role!.output as {
      read: { roleArn: string; accessKeyId: string; keys: string[] };
      roleArn: string | null;
      accessKeyId: string | null;
    };
    expect(own.read.roleArn).toBe(ROLE);
    // STS's temporary credentials, not the default `test` key the worker itself runs with.
    expect(own.read.accessKeyId).toMatch(/^ASIA/);
    expect(own.read.accessKeyId).not.toBe(process.env.AWS_ACCESS_KEY_ID);
    // The client ctx.aws made with them reached the data bucket.
    expect(own.read.keys).toEqual(['orders/2026-11-22.csv']);
    // Without runAs: no role, the default credential chain.
    expect(own).toMatchObject({ roleArn: null, accessKeyId: null });
  }, 150_000);
});
