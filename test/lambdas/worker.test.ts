import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { isXComRef } from '../../lib/runtime/xcom.ts';
import { handleWorkerMessage } from '../../lib/worker/worker-run.ts';
import { dynamoFor } from '../../localstack/stack-tables.ts';
import workerDag from '../fixtures/lambdas/worker_dag.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { startRunOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

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
    const stack = await workerOnEmulator(emulator, { bucket: BUCKET, prefix: 'worker' });
    const { s3, sqs, sfn, handler, taskQueue, controlQueue, tables } = stack;
    const { executionArn } = await startRunOnEmulator(stack, 'test/fixtures/lambdas/worker_dag.ts', workerDag, {
      machineName: 'airstep-worker_dag',
    });

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
