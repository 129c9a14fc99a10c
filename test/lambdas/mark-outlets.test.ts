import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { listTaskInstances } from '../../lib/runs/run-history.ts';
import { RunStore } from '../../lib/runs/run-store.ts';
import { dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { airstep, stackOutputs } from '../cli/cloud-stack-helpers.ts';
import markOutlets, { alsoMarked, marked } from '../fixtures/lambdas/mark_outlets_dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { type WorkerOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * `airstep mark <run> <task> success` of a deployed task with outlets, on moto: the waiting try's token is answered
 * with an empty `extra` per outlet, so the task's `<task>:outlets` state puts events carrying `{}` (Airflow's mark
 * runs no code: nothing the code attached), and the worker still running that try ends quietly. Every wait is for
 * a condition, with a generous backstop.
 */
let moto: RunningEmulator;
let stack: WorkerOnEmulator;
let scratch: string;
const BUS = 'mark-assets';
const ctx = manualContext(markOutlets);
const dynamo = () => dynamoFor(moto.endpoint);

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  stack = await workerOnEmulator(moto, { bucket: 'airstep-mark-outlets', prefix: 'mark' });
  scratch = await mkdtemp(join(tmpdir(), 'airstep-mark-outlets-'));
});
afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

async function until<T>(look: () => Promise<T | undefined>, what: string, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await look();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('airstep mark success of a deployed task with outlets', () => {
  it("answers {} for each outlet's extra, and its outlets state puts events with extra {}", async () => {
    const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
    await new EventBridgeClient(clientConfig).send(new CreateEventBusCommand({ Name: BUS }));
    await storeDagVersion(stack.s3, stack.bucket, 'test/fixtures/lambdas/mark_outlets_dag.ts', markOutlets, 'v1');
    const definition = fillPlaceholders(compileDag(markOutlets).asl!, {
      dagVersion: 'v1',
      controlQueueUrl: stack.controlQueue,
      taskQueueUrls: { default: stack.taskQueue },
      assetEventBusName: BUS,
    });
    const machine = await stack.sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-mark_outlets',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const { executionArn } = await stack.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx, tasks: {}, gates: {} }),
      }),
    );
    await new RunStore(dynamo(), stack.tables).recordStarted(
      { dagId: 'mark_outlets', runId: ctx.runId, runType: 'manual', logicalDate: ctx.logicalDate, dagVersion: 'v1' },
      executionArn!,
      new Date(),
    );

    // The worker takes the try and holds it (its code waits on the gate): its live record has the token.
    let open!: () => void;
    (globalThis as { markOutletsGate?: Promise<void> }).markOutletsGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const message = await until(async () => {
      const { Messages = [] } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.taskQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
      );
      return Messages[0];
    }, 'the message of hold');
    await stack.sqs.send(
      new DeleteMessageCommand({ QueueUrl: stack.taskQueue, ReceiptHandle: message.ReceiptHandle! }),
    );
    const running = stack.handler({
      Records: [{ messageId: message.MessageId!, body: message.Body! }],
    } as unknown as SQSEvent) as Promise<SQSBatchResponse>;
    const records = () => listTaskInstances(dynamo(), stack.tables.taskInstances, 'mark_outlets', ctx.runId);
    await until(
      async () => ((await records()).find((task) => task.taskId === 'hold')?.state === 'running' ? true : undefined),
      'hold running',
    );

    const outputs = join(scratch, 'outputs.json');
    await writeFile(outputs, JSON.stringify({ AirstepStack: stackOutputs(stack.tables, 'airstep-trigger') }));
    const mark = await airstep(
      moto.env,
      'mark',
      ctx.runId,
      'hold',
      'success',
      '--json',
      '--outputs',
      outputs,
      '--dag',
      'mark_outlets',
    );
    expect([mark.code, mark.stderr]).toEqual([0, '']);
    expect(JSON.parse(mark.stdout)).toMatchObject({ ok: true, changed: ['hold: running -> success'] });
    open();
    expect((await running).batchItemFailures).toEqual([]);

    const described = await until(async () => {
      const found = await stack.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return found.status !== 'RUNNING' ? found : undefined;
    }, 'the run to end');
    expect(described.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described.output!) as { tasks: Record<string, Record<string, unknown>> };
    // The mark's answer, not the code's (`{ rows: 1 }` was attached to `marked` by the try the mark overtook).
    expect(tasks.hold).toMatchObject({ state: 'success', outletExtra: [{}, {}] });
    // What the outlets state put on the bus: one entry per outlet, each with extra {}.
    const { events = [] } = await stack.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const scheduled = events.filter(
      (event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === 'putEvents',
    );
    expect(scheduled).toHaveLength(1);
    const { Entries } = JSON.parse(scheduled[0]!.taskScheduledEventDetails!.parameters!) as {
      Entries: Array<{ EventBusName: string; Detail: { uri: string; extra: unknown; sourceTaskId: string } }>;
    };
    expect(
      Entries.map((entry) => [entry.EventBusName, entry.Detail.uri, entry.Detail.sourceTaskId, entry.Detail.extra]),
    ).toEqual([marked.uri, alsoMarked.uri].sort().map((uri) => [BUS, uri, 'hold', {}]));
  }, 300_000);
});
