import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import setupAndMapping from '../fixtures/lambdas/setup_and_mapping.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The worker Lambda's handler on MiniStack (Parallel and nested Map states): the bundled DAG's setup, work that
 * fails, a teardown, a cross product and expandKwargs. No new AWS call: the worker answers as for any task (its
 * calls run inside `asRole('worker', …)`, checked against the stack's policies).
 */
let emulator: RunningEmulator;
const BUCKET = 'airstep-worker-setup-mapping-test';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.stop();
});

describe('worker Lambda: setup/teardown, cross product, expandKwargs', () => {
  it('runs the teardown after failed work, maps the combinations and argument objects in order, and fails the run for the work only', async () => {
    const region = 'us-east-1';
    const clientConfig = { endpoint: emulator.endpoint, region, credentials: emulatorCredentials };
    const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    const sqs = new SQSClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const tables = await createStackTables(dynamoFor(emulator.endpoint), 'setupmap');
    const taskQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'setupmap-tasks' }))).QueueUrl!;
    const controlQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'setupmap-control' }))).QueueUrl!;
    process.env[STACK_ENV.bucket] = BUCKET;
    process.env[STACK_ENV.taskInstancesTable] = tables.taskInstances;
    process.env[STACK_ENV.poolSlotsTable] = tables.poolSlots;
    process.env[STACK_ENV.pools] = JSON.stringify({});
    const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler);

    const version = 'v1';
    await storeDagVersion(s3, BUCKET, 'test/fixtures/lambdas/setup_and_mapping.ts', setupAndMapping, version);
    const definition = fillPlaceholders(compileDag(setupAndMapping).asl!, {
      dagVersion: version,
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-setup-and-mapping',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx: manualContext(setupAndMapping), tasks: {}, gates: {} }),
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
    // The run fails because `broken` (a work task) failed; the teardown's own success does not save it.
    expect(described?.status).toBe('FAILED');
    const messages = delivered.map((m) => JSON.parse(m.Body!) as { taskId: string; mapIndex: number });
    const asked = messages.map((m) => (m.mapIndex >= 0 ? `${m.taskId}[${m.mapIndex}]` : m.taskId));
    // The teardown was asked for only after every work task had been.
    expect(asked.at(-1)).toBe('delete');
    expect(asked.sort()).toEqual([
      'broken',
      'create',
      'delete',
      'jobs',
      'load[0]',
      'load[1]',
      'pair[0]',
      'pair[1]',
      'pair[2]',
      'pair[3]',
      'regions',
    ]);
    // A failed execution has no output: the payload is the input of the run's Fail state.
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const failEntered = history.events?.find((event) => event.type === 'FailStateEntered');
    const { tasks } = JSON.parse(failEntered?.stateEnteredEventDetails?.input ?? '{"tasks":{}}') as {
      tasks: Record<string, Record<string, unknown>>;
    };
    expect(Object.fromEntries(Object.entries(tasks).map(([key, record]) => [key, record.state]))).toEqual({
      create: 'success',
      regions: 'success',
      pair: 'success',
      jobs: 'success',
      load: 'success',
      broken: 'failed',
      delete: 'success',
    });
    // The teardown's message carries the mapped outputs in map index order.
    const teardownMessage = delivered.map((m) => JSON.parse(m.Body!)).find((m) => m.taskId === 'delete');
    expect(teardownMessage.inputs).toEqual({
      pair: ['0:eu-s', '1:eu-m', '2:us-s', '3:us-m'],
      load: ['0:a:append', '1:b:full'],
    });
  });
});
