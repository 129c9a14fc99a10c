import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDagRecord } from '../../lib/dynamo/dag-record.ts';
import { LocalStack } from '../../localstack/local-stack.ts';

/** Runs through the whole stack on MiniStack: dag-sync, trigger, worker, recorder (see localstack/local-stack.ts). */
let stack: LocalStack;
const flakySource = readFileSync('test/fixtures/e2e/flaky.ts', 'utf8');

async function registered(count: number): Promise<void> {
  let done = 0;
  const deadline = Date.now() + 60_000;
  while (done < count && Date.now() < deadline) done += (await stack.syncPending()).length;
  expect(done).toBe(count);
}
const executionOutput = async (executionArn: string) =>
  JSON.parse((await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).output ?? 'null') as {
    tasks: Record<string, { state: string; try?: number; output?: unknown }>;
  };

beforeAll(async () => {
  stack = await LocalStack.start();
  await stack.upload('dags/e2e/flaky.ts', flakySource);
  await stack.upload('dags/e2e/doomed.ts', readFileSync('test/fixtures/e2e/doomed.ts', 'utf8'));
  await stack.upload('dags/e2e/every_minute.ts', readFileSync('test/fixtures/e2e/every_minute.ts', 'utf8'));
  await registered(3);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('end to end on MiniStack', () => {
  it('a task that fails once succeeds on its retry', async () => {
    const run = await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' });
    expect(run.outcome).toBe('started');
    const recorded = await stack.runToEnd((run as { executionArn: string }).executionArn);
    expect(recorded?.state).toBe('success');
    expect(recorded?.tasks).toContainEqual({ key: 'report', state: 'success', try: 2 });
  }, 60_000);

  it('a task that fails for good fails the run and sends an alert naming it', async () => {
    const run = await stack.trigger({ kind: 'manual', dagId: 'e2e_doomed' });
    const recorded = await stack.runToEnd((run as { executionArn: string }).executionArn);
    expect([recorded?.state, recorded?.alerted]).toEqual(['failed', true]);
    const alerts = await stack.alerts();
    expect(alerts.some((alert) => alert.includes('failed tasks: boom (NonRetryableError)'))).toBe(true);
  }, 60_000);

  it('a schedule that fires twice for the same time starts one run', async () => {
    const fire = { kind: 'scheduled', dagId: 'e2e_flaky', scheduledTime: '2026-11-20T00:00:00Z' } as const;
    const first = await stack.trigger(fire);
    const second = await stack.trigger(fire);
    expect((first as { runId: string }).runId).toBe('scheduled__2026-11-19T00:00:00+00:00');
    expect(['started', 'duplicate']).toContain(second.outcome);
    const record = await readDagRecord(stack.emulatorDynamo(), stack.tables.dags, 'e2e_flaky');
    const executions = await stack.sfn.send(new ListExecutionsCommand({ stateMachineArn: record!.stateMachineArn }));
    expect(
      executions.executions?.filter((execution) => execution.name?.startsWith('scheduled__2026-11-19')),
    ).toHaveLength(1);
    await stack.runToEnd((first as { executionArn: string }).executionArn);
  }, 60_000);

  it('a try whose worker died before answering is delivered again and the run finishes', async () => {
    const run = await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' });
    // A worker takes the message and dies: no answer, no delete.
    let taken: Message | undefined;
    for (let i = 0; i < 50 && taken === undefined; i++) {
      const received = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.queues.task, WaitTimeSeconds: 1 }),
      );
      taken = received.Messages?.[0];
    }
    expect(JSON.parse(taken!.Body!)).toMatchObject({ taskId: 'report', retryCount: 0 });
    const recorded = await stack.runToEnd((run as { executionArn: string }).executionArn);
    expect(recorded?.state).toBe('success');
    expect(recorded?.tasks).toContainEqual({ key: 'report', state: 'success', try: 2 });
  }, 60_000);

  it('a run in flight when its DAG file changes finishes on the version it started with', async () => {
    const run = await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' });
    const before = await readDagRecord(stack.emulatorDynamo(), stack.tables.dags, 'e2e_flaky');
    await stack.upload('dags/e2e/flaky.ts', flakySource.replace("'version one'", "'version two'"));
    await registered(1);
    const after = await readDagRecord(stack.emulatorDynamo(), stack.tables.dags, 'e2e_flaky');
    expect(after!.dagVersion).not.toBe(before!.dagVersion);

    const executionArn = (run as { executionArn: string }).executionArn;
    await stack.runToEnd(executionArn);
    expect((await executionOutput(executionArn)).tasks.report?.output).toBe('version one');
    const next = await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' });
    const nextArn = (next as { executionArn: string }).executionArn;
    await stack.runToEnd(nextArn);
    expect((await executionOutput(nextArn)).tasks.report?.output).toBe('version two');
  }, 90_000);

  // Last, so the schedule dag-sync created in beforeAll has had the other tests' time to come due.
  it('a DAG scheduled every minute is fired by the emulator’s EventBridge Scheduler, and its run succeeds', async () => {
    let fire: Awaited<ReturnType<LocalStack['firedSchedules']>>[number] | undefined;
    const deadline = Date.now() + 150_000;
    while (fire === undefined && Date.now() < deadline) {
      fire = (await stack.firedSchedules(5)).find(({ fired }) => fired.dagId === 'e2e_every_minute');
    }
    expect(fire?.fired.kind).toBe('scheduled');
    // The run is the minute that ended when the schedule fired: logical date one minute before the fire time.
    const scheduledTime = Date.parse((fire!.fired as { scheduledTime: string }).scheduledTime);
    const logicalDate = new Date(scheduledTime - 60_000).toISOString().replace('.000Z', '+00:00');
    expect(fire!.result).toMatchObject({ outcome: 'started', runId: `scheduled__${logicalDate}` });

    const executionArn = (fire!.result as { executionArn: string }).executionArn;
    const recorded = await stack.runToEnd(executionArn);
    expect(recorded?.state).toBe('success');
    expect(recorded?.tasks).toContainEqual({ key: 'stamp', state: 'success', try: 1 });
    const input = (await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).input!;
    expect(JSON.parse(input).ctx).toMatchObject({
      runType: 'scheduled',
      logicalDate,
      dataIntervalEnd: new Date(scheduledTime).toISOString().replace('.000Z', '+00:00'),
    });
  }, 180_000);
});
