import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskMessage } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { finalTaskRecord } from '../../lib/runs/final-task-record.ts';
import { listTaskInstances } from '../../lib/runs/run-history.ts';
import { RunStore } from '../../lib/runs/run-store.ts';
import { recordTry, tryOf } from '../../lib/worker/try-records.ts';
import { dynamoFor } from '../../localstack/stack-tables.ts';
import { airstep, type CliRun, stackOutputs } from '../cli/cloud-stack-helpers.ts';
import liveStateDag from '../fixtures/lambdas/live_state_dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import { startRunOnEmulator, type WorkerOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * Live task state: the worker Lambda's handler (its calls IAM-checked as the worker role) on moto's Step Functions
 * writes each try's record as it happens; `airstep tasks --stack` shows a running run from them; `airstep mark`
 * answers a waiting try's token and rewrites an ended run's records. Messages are handed over one at a time, and
 * every wait is for a condition (a message, a record, the execution's status), never for a duration.
 */
let moto: RunningEmulator;
let stack: WorkerOnEmulator;
let scratch: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(moto.endpoint);
const ctx = manualContext(liveStateDag);
const RUN = ctx.runId;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env, { AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/06/[$LATEST]live-stream' });
  stack = await workerOnEmulator(moto, { bucket: 'airstep-live-state', prefix: 'live' });
  scratch = await mkdtemp(join(tmpdir(), 'airstep-live-'));
  const outputs = join(scratch, 'outputs.json');
  await writeFile(outputs, JSON.stringify({ AirstepStack: stackOutputs(stack.tables, 'airstep-trigger') }));
  cli = (...args) => airstep(moto.env, ...args, '--outputs', outputs, '--dag', 'live_state');
});
afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Waits for a condition, checking again after each look; the deadline only stops a hang. */
async function until<T>(look: () => Promise<T | undefined>, what: string, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await look();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The next task message of the run, taken off the queue. */
async function nextMessage(taskId: string): Promise<Message> {
  return until(async () => {
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.taskQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    const message = Messages[0];
    if (message === undefined) return undefined;
    await stack.sqs.send(
      new DeleteMessageCommand({ QueueUrl: stack.taskQueue, ReceiptHandle: message.ReceiptHandle! }),
    );
    expect(JSON.parse(message.Body!).taskId).toBe(taskId);
    return message;
  }, `the message of ${taskId}`);
}

const handle = (message: Message): Promise<SQSBatchResponse> =>
  stack.handler({ Records: [{ messageId: message.MessageId!, body: message.Body! }] } as unknown as SQSEvent);

const records = () => listTaskInstances(dynamo(), stack.tables.taskInstances, 'live_state', RUN);
const recordOf = async (taskId: string) => (await records()).find((task) => task.taskId === taskId);
const rawItem = async (taskId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: stack.tables.taskInstances,
        Key: { runKey: { S: `live_state#${RUN}` }, taskKey: { S: `${taskId}#-1` } },
        ConsistentRead: true,
      }),
    )
  ).Item!;

describe('live task state on the worker', () => {
  let executionArn: string;
  let flakyTry1: TaskMessage;

  it('records each try as it happens: up_for_retry, then success on the retry, with host and times', async () => {
    ({ executionArn } = await startRunOnEmulator(stack, 'test/fixtures/lambdas/live_state_dag.ts', liveStateDag, {
      machineName: 'airstep-live_state',
    }));
    await new RunStore(dynamo(), stack.tables).recordStarted(
      { dagId: 'live_state', runId: RUN, runType: 'manual', logicalDate: ctx.logicalDate, dagVersion: 'v1' },
      executionArn,
      new Date(),
    );
    const first = await nextMessage('flaky');
    flakyTry1 = JSON.parse(first.Body!) as TaskMessage;
    expect(await recordOf('flaky')).toBeUndefined();
    expect((await handle(first)).batchItemFailures).toEqual([]);
    expect(await recordOf('flaky')).toMatchObject({
      state: 'up_for_retry',
      tries: 1,
      error: 'Error',
      host: '2026/12/06/[$LATEST]live-stream',
    });
    expect((await rawItem('flaky')).token).toBeUndefined(); // an ended try keeps no token

    expect((await handle(await nextMessage('flaky'))).batchItemFailures).toEqual([]);
    const flaky = await recordOf('flaky');
    expect(flaky).toMatchObject({ state: 'success', tries: 2 });
    expect(flaky?.error).toBeUndefined();
    expect(Date.parse(flaky!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(flaky!.startedAt!));
  });

  it('never lets an earlier state overwrite a later one (conditional on try and phase)', async () => {
    // A redelivered message of try 1 that "starts" after try 2 ended: refused by the condition, not by timing.
    const late = await recordTry(dynamo(), stack.tables.taskInstances, tryOf(flakyTry1), {
      phase: 'running',
      state: 'running',
      at: new Date(),
    });
    expect(late).toBe(false);
    expect(await recordOf('flaky')).toMatchObject({ state: 'success', tries: 2 });
    // The same try's "running" after its own end: refused too.
    const sameTry = { ...tryOf(flakyTry1), tryNumber: 2 };
    expect(
      await recordTry(dynamo(), stack.tables.taskInstances, sameTry, {
        phase: 'running',
        state: 'running',
        at: new Date(),
      }),
    ).toBe(false);
    expect(await recordOf('flaky')).toMatchObject({ state: 'success', tries: 2 });
  });

  it('shows the running try in `tasks --stack`, refuses bad marks with nothing changed, and marks the waiting try success', async () => {
    let open!: () => void;
    (globalThis as { liveStateGate?: Promise<void> }).liveStateGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const holdMessage = await nextMessage('hold');
    const running = handle(holdMessage);
    await until(async () => ((await recordOf('hold'))?.state === 'running' ? true : undefined), 'hold running');
    expect((await rawItem('hold')).token?.S).toBe(JSON.parse(holdMessage.Body!).token);

    const shown = await cli('tasks', RUN, '--json');
    expect(shown.code).toBe(0);
    const grid = JSON.parse(shown.stdout) as { run: { state: string }; tasks: Array<Record<string, unknown>> };
    expect(grid.run.state).toBe('running');
    expect(grid.tasks.find((task) => task.taskId === 'hold')).toMatchObject({
      state: 'running',
      tries: 1,
      host: '2026/12/06/[$LATEST]live-stream',
    });
    expect(grid.tasks.find((task) => task.taskId === 'hold')?.durationMs).toEqual(expect.any(Number));
    const text = await cli('tasks', RUN);
    expect(text.stdout).toMatch(/hold\s+running\s+1/);

    const before = await records();
    const bad = [
      await cli('mark', RUN, 'success'), // a whole running run
      await cli('mark', RUN, 'after', 'success'), // not waiting on a worker (not started)
      await cli('mark', RUN, 'hold', 'done'), // not a state
      await cli('mark', 'manual__1999', 'hold', 'success'), // no such run
    ];
    expect(bad.map((run) => run.code)).toEqual([2, 2, 2, 2]);
    expect(bad[0]!.stderr).toContain('is running: a whole run can only be marked once it ended');
    expect(bad[1]!.stderr).toContain('task after of live_state');
    expect(bad[1]!.stderr).toContain('is not waiting on a worker (no record yet)');
    expect(bad[2]!.stderr).toContain("the state must be success or failed (got 'done')");
    expect(bad[3]!.stderr).toContain("no run 'manual__1999'");
    // Nothing changed: the same records (a running try's duration grows as it runs).
    expect(await records()).toEqual(
      before.map((task) => (task.state === 'running' ? { ...task, durationMs: expect.any(Number) } : task)),
    );

    const marked = await cli('mark', RUN, 'hold', 'success', '--json');
    expect(marked.code).toBe(0);
    expect(JSON.parse(marked.stdout)).toMatchObject({ ok: true, changed: ['hold: running -> success'] });
    // The worker still running that try finishes: its own answer is refused and it ends quietly (no failure,
    // so no redelivery and no retry).
    open();
    expect((await running).batchItemFailures).toEqual([]);
    expect(await recordOf('hold')).toMatchObject({ state: 'success', tries: 1 });
    expect((await rawItem('hold')).token).toBeUndefined();

    expect((await handle(await nextMessage('after'))).batchItemFailures).toEqual([]);
    const ended = await until(async () => {
      const { status } = await stack.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status !== 'RUNNING' ? status : undefined;
    }, 'the run to end');
    expect(ended).toBe('SUCCEEDED');
  });

  it("keeps the recorder's end-of-run record as the final word", async () => {
    await dynamo().send(
      new UpdateItemCommand(
        finalTaskRecord(stack.tables.taskInstances, ctx, { key: 'after', state: 'success', try: 1 }),
      ),
    );
    const late = await recordTry(
      dynamo(),
      stack.tables.taskInstances,
      { dagId: 'live_state', runId: RUN, taskId: 'after', mapIndex: -1, tryNumber: 9, token: 't' },
      { phase: 'running', state: 'running', at: new Date() },
    );
    expect(late).toBe(false);
    expect(await recordOf('after')).toMatchObject({ state: 'success', tries: 1, final: true });
    // The recorder's update keeps the worker's times and host.
    expect((await recordOf('after'))?.host).toBe('2026/12/06/[$LATEST]live-stream');
  });

  it('marks a task of an ended run and recomputes the run state as its records say', async () => {
    const runs = new RunStore(dynamo(), stack.tables);
    await runs.recordStatus({
      dagId: 'live_state',
      runId: RUN,
      state: 'success',
      ended: true,
      executionArn,
      startedAt: new Date(),
      endedAt: new Date(),
    });
    const failed = await cli('mark', RUN, 'after', 'failed', '--json');
    expect(failed.code).toBe(0);
    expect(JSON.parse(failed.stdout)).toMatchObject({ changed: ['after: success -> failed'], runState: 'failed' });
    expect(await recordOf('after')).toMatchObject({ state: 'failed', final: true });
    expect((await runs.read('live_state', RUN))?.state).toBe('failed');

    const unknown = await cli('mark', RUN, 'nope', 'success');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("has no task instance 'nope' (its tasks: after, flaky, hold)");
    expect((await runs.read('live_state', RUN))?.state).toBe('failed');

    const success = await cli('mark', RUN, 'after', 'success');
    expect(success.code).toBe(0);
    expect(success.stdout).toContain('after: failed -> success');
    expect(success.stdout).toContain('run success');
    expect((await runs.read('live_state', RUN))?.state).toBe('success');
  });
});
