import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import skipping from '../fixtures/local/skipping.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The worker Lambda's handler on MiniStack (Parallel and Map states, and it keeps SendTaskFailure's cause): task
 * code in the bundled DAG throws SkipError, with retries left, and in one mapped item.
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-skip-test';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda: SkipError', () => {
  it('answers SkipError with the reason; the try is not retried, the task and the item are skipped, downstream tasks follow their trigger rules', async () => {
    const region = 'us-east-1';
    const clientConfig = { endpoint: emulator.endpoint, region, credentials: emulatorCredentials };
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const sqs = new SQSClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const tables = await createStackTables(dynamoFor(emulator.endpoint), 'skip');
    const taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'skip-tasks' }))).QueueUrl!;
    const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'skip-control' }))).QueueUrl!;
    process.env[STACK_ENV.bucket] = BUCKET;
    process.env[STACK_ENV.taskInstancesTable] = tables.taskInstances;
    process.env[STACK_ENV.poolSlotsTable] = tables.poolSlots;
    process.env[STACK_ENV.pools] = JSON.stringify({});
    const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);

    const version = 'v1';
    await storeDagVersion(s3, BUCKET, 'test/fixtures/local/skipping.ts', skipping, version);
    const definition = fillPlaceholders(compileDag(skipping).asl!, {
      dagVersion: version,
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-skipping',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx: manualContext(skipping), tasks: {}, gates: {} }),
      }),
    );

    const { described, delivered, failures } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
      deadlineMs: 90_000,
    });
    expect(failures).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const messages = delivered.map((m) => JSON.parse(m.Body!) as { taskId: string; mapIndex: number });
    // One try of `check` (retries: 3) and of each item (retries: 2); no message for the tasks that were skipped.
    expect(messages.map((m) => (m.mapIndex >= 0 ? `${m.taskId}[${m.mapIndex}]` : m.taskId)).sort()).toEqual([
      'check',
      'cleanup',
      'collect',
      'each[0]',
      'each[1]',
      'each[2]',
      'list',
      'report',
    ]);
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, Record<string, unknown>> };
    expect(Object.fromEntries(Object.entries(tasks).map(([key, record]) => [key, record.state]))).toEqual({
      check: 'skipped',
      load: 'skipped',
      report: 'success',
      cleanup: 'success',
      list: 'success',
      each: 'skipped',
      after_each: 'skipped',
      collect: 'success',
    });
    expect(tasks.check!.skip).toMatchObject({ Error: 'SkipError', Cause: 'no new files for 2026-11-22' });
    expect(tasks.each!.output).toEqual([10, null, 30]);
  });
});
