import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import medallion from '../../dags/s3_medallion_ingestion.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { EXAMPLE_BUCKETS, seedExampleBuckets } from '../../lib/local/example-buckets.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The medallion example on the worker Lambda's handler (MiniStack): its task code reads the raw bucket and
 * writes the processed and analytics buckets, as a user's task code does. Every call it makes runs as the worker
 * role, so the IAM check proves the default stack lets task code reach the data buckets its props name.
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-data';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda and the data buckets', () => {
  it("runs the medallion example, its task code reading and writing the stack's data buckets", async () => {
    const clientConfig = { endpoint: emulator.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const sqs = new SQSClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await seedExampleBuckets(s3);
    const tables = await createStackTables(dynamoFor(emulator.endpoint), 'data');
    const taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'data-tasks' }))).QueueUrl!;
    const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'data-control' }))).QueueUrl!;
    Object.assign(process.env, {
      [STACK_ENV.bucket]: BUCKET,
      [STACK_ENV.taskInstancesTable]: tables.taskInstances,
      [STACK_ENV.poolSlotsTable]: tables.poolSlots,
      [STACK_ENV.pools]: JSON.stringify({}),
    });
    const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);

    await storeDagVersion(s3, BUCKET, 'dags/s3_medallion_ingestion.ts', medallion, 'v1');
    const definition = fillPlaceholders(compileDag(medallion).asl!, {
      dagVersion: 'v1',
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-medallion',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx: manualContext(medallion), tasks: {}, gates: {} }),
      }),
    );

    const { described, failures } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
    });

    expect(failures).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, { state: string }> };
    expect(Object.values(tasks).every((task) => task.state === 'success')).toBe(true);
    expect(Object.keys(tasks).length).toBeGreaterThan(2);
    // The gold layer the last task wrote, read back from the analytics bucket.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: EXAMPLE_BUCKETS.analytics }));
    expect(listed.Contents?.length ?? 0).toBeGreaterThan(0);
  }, 150_000);
});
