import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { asRole } from '../iam/stack-role.ts';
import { manualContext } from './run-context.ts';
import { storeDagVersion } from './stored-dag-version.ts';

/** What the worker Lambda's handler reads on an emulator: its bucket, tables and queues, and the handler itself. */
export interface WorkerOnEmulator {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly bucket: string;
  readonly tables: Awaited<ReturnType<typeof createStackTables>>;
  readonly taskQueue: string;
  readonly controlQueue: string;
  /** The worker Lambda's handler, its AWS calls checked as the worker role's (test/iam). */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
}

/**
 * The stack around the worker Lambda on an emulator, as the construct gives it: the bucket, the tables, a task and
 * a control queue named by `prefix`, and the handler's `AIRSTEP_*` variables (no pools).
 */
export async function workerOnEmulator(
  emulator: RunningEmulator,
  options: { readonly bucket: string; readonly prefix: string },
): Promise<WorkerOnEmulator> {
  const clientConfig = { endpoint: emulator.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const sqs = new SQSClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  const tables = await createStackTables(dynamoFor(emulator.endpoint), options.prefix);
  const queue = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: `${options.prefix}-${name}` }))).QueueUrl!;
  const [taskQueue, controlQueue] = [await queue('tasks'), await queue('control')];
  Object.assign(process.env, {
    [STACK_ENV.bucket]: options.bucket,
    [STACK_ENV.taskInstancesTable]: tables.taskInstances,
    [STACK_ENV.poolSlotsTable]: tables.poolSlots,
    [STACK_ENV.pools]: JSON.stringify({}),
  });
  const handler = asRole('worker', (await import('../../lambdas/worker/index.ts')).handler) as (
    event: SQSEvent,
  ) => Promise<SQSBatchResponse>;
  return { s3, sqs, sfn, bucket: options.bucket, tables, taskQueue, controlQueue, handler };
}

/**
 * A DAG version deployed as dag-sync deploys it (bundle and manifest under `artifacts/`, the definition filled for
 * these queues) and one manual run of it started. Returns the execution and the compiled DAG.
 */
export async function startRunOnEmulator(
  stack: WorkerOnEmulator,
  file: string,
  dag: Dag,
  options: { readonly machineName: string; readonly version?: string; readonly roleArn?: string },
) {
  const version = options.version ?? 'v1';
  const compiled = await storeDagVersion(stack.s3, stack.bucket, file, dag, version);
  const definition = fillPlaceholders(compileDag(dag).asl!, {
    dagVersion: version,
    controlQueueUrl: stack.controlQueue,
    taskQueueUrls: { default: stack.taskQueue },
    taskInstancesTable: stack.tables.taskInstances,
  });
  const machine = await stack.sfn.send(
    new CreateStateMachineCommand({
      name: options.machineName,
      definition,
      roleArn: options.roleArn ?? 'arn:aws:iam::000000000000:role/sm',
    }),
  );
  const { executionArn } = await stack.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.stateMachineArn!,
      name: 'run',
      input: JSON.stringify({ ctx: manualContext(dag), tasks: {}, gates: {} }),
    }),
  );
  return { executionArn: executionArn!, compiled };
}
