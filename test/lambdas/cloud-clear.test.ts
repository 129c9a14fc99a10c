import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFargateTry } from '../../lambdas/fargate-worker/fargate-try.ts';
import { planCloudClear } from '../../lib/cli/cloud-clear.ts';
import type { CloudStack } from '../../lib/cli/cloud-stack.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { FARGATE_ENV, type TaskMessage } from '../../lib/compiler/worker-contract.ts';
import { markPaused, markUnpaused } from '../../lib/dynamo/dag-pause.ts';
import { dynamoClient, readDagRecord, writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { ExecutionStatusChange } from '../../lib/runs/record-execution.ts';
import { listTaskInstances } from '../../lib/runs/run-history.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { STACK_OUTPUTS } from '../../lib/stack-contract/stack-outputs.ts';
import { recordTry } from '../../lib/worker/try-records.ts';
import { dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { airstep, type CliRun, stackOutputs } from '../cli/cloud-stack-helpers.ts';
import clearDag from '../fixtures/lambdas/cloud_clear_dag.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { triggerEnv } from '../helpers/trigger-env.ts';
import { type WorkerOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * `airstep clear --stack` on moto: the trigger, worker and recorder handlers (each's AWS calls IAM-checked as its
 * role, test/iam) run a real execution of the compiled fixture on moto's Step Functions, DynamoDB, SQS and S3. A
 * failed run is cleared: the plan is the CLI's (`planCloudClear`), the new execution is the trigger's (a `clear`
 * event), the kept task is answered by the worker without running its code, and the recorder records the new
 * execution's end against the same run. moto runs no Lambda code, so the CLI child process is used for what it does
 * before it invokes the trigger (refusals, --dry-run); its invoke is covered by the e2e block on MiniStack.
 * RedriveExecution is not used (see the README: a caught failure ends at a Fail state, which a redrive repeats).
 * Every wait is for a condition (a message, an execution's status), never for a duration.
 */
let moto: RunningEmulator;
let stack: WorkerOnEmulator;
let scratch: string;
let cloud: CloudStack;
let trigger: (event: unknown) => Promise<TriggerResult>;
let recorder: (
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>,
) => Promise<void>;
let cli: (...args: string[]) => Promise<CliRun>;
let stateMachineArn: string;
const DAG = 'cloud_clear';
const RUN = 'manual__2026-11-24T00:00:00+00:00';
const dynamo = () => dynamoFor(moto.endpoint);
const shared = globalThis as {
  cloudClearRuns?: Record<string, number>;
  cloudClearBroken?: boolean;
  cloudClearLoaded?: unknown;
};

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  stack = await workerOnEmulator(moto, { bucket: 'airstep-cloud-clear', prefix: 'cclear' });
  const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  const topicArn = (await new SNSClient(clientConfig).send(new CreateTopicCommand({ Name: 'cclear-alerts' })))
    .TopicArn!;
  const failedEvents = (await stack.sqs.send(new CreateQueueCommand({ QueueName: 'cclear-failed-events' }))).QueueUrl!;
  // The DAG as dag-sync deploys it: its version's bundle and manifest on S3, its state machine, its record.
  await storeDagVersion(stack.s3, stack.bucket, 'test/fixtures/lambdas/cloud_clear_dag.ts', clearDag, 'v1');
  const definition = fillPlaceholders(compileDag(clearDag).asl!, {
    dagVersion: 'v1',
    controlQueueUrl: stack.controlQueue,
    taskQueueUrls: { default: stack.taskQueue },
    taskInstancesTable: stack.tables.taskInstances,
  });
  stateMachineArn = (
    await stack.sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-cloud_clear',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    )
  ).stateMachineArn!;
  await writeDagRecord(dynamo(), stack.tables.dags, {
    dagId: DAG,
    dagVersion: 'v1',
    file: 'test/fixtures/lambdas/cloud_clear_dag.ts',
    // moto cannot start an execution on an alias: the state machine stands in for it.
    aliasArn: stateMachineArn,
    stateMachineArn,
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    params: {},
    maxActiveRuns: 1,
    disabled: false,
    updatedAt: '2026-11-24T00:00:00.000Z',
  });
  Object.assign(
    process.env,
    triggerEnv({ tables: stack.tables, failedEventsQueueUrl: failedEvents, prefix: 'cclear' }),
    {
      // What the recorder reads besides what the trigger reads.
      [STACK_ENV.alertsTopicArn]: topicArn,
      [STACK_ENV.controlQueueUrl]: stack.controlQueue,
    },
  );
  trigger = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
  recorder = asRole('recorder', (await import('../../lambdas/recorder/index.ts')).handler);
  scratch = await mkdtemp(join(tmpdir(), 'airstep-cloud-clear-'));
  const outputs: Record<string, string> = { ...stackOutputs(stack.tables, 'cclear-trigger'), BucketName: stack.bucket };
  const outputsFile = join(scratch, 'outputs.json');
  await writeFile(outputsFile, JSON.stringify({ AirstepStack: outputs }));
  cloud = {
    ...(Object.fromEntries(
      Object.entries(STACK_OUTPUTS).map(([key, name]) => [key, outputs[name]]),
    ) as unknown as CloudStack),
    bucket: stack.bucket,
    source: 'test',
  };
  cli = (...args) => airstep(moto.env, ...args, '--outputs', outputsFile);
});
afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Waits for a condition, checking again after each look; the deadline only stops a hang. */
async function until<T>(look: () => Promise<T | undefined>, what: string, deadlineMs = 120_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await look();
    if (value !== undefined) return value;
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Hands every task message of the execution to the worker handler until the execution stops; returns its end
 * and the task ids of the messages, in order.
 */
async function runToEnd(
  executionArn: string,
  /** Tasks whose message goes to the Fargate worker's entry instead (as a container's environment). */
  onFargate: readonly string[] = [],
): Promise<{ end: DescribeExecutionCommandOutput; messages: string[] }> {
  const messages: string[] = [];
  const end = await until(async () => {
    const described = await stack.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.taskQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      await stack.sqs.send(
        new DeleteMessageCommand({ QueueUrl: stack.taskQueue, ReceiptHandle: message.ReceiptHandle! }),
      );
      const body = JSON.parse(message.Body!) as TaskMessage;
      messages.push(body.taskId);
      if (onFargate.includes(body.taskId)) {
        expect(await fargateTry(body)).toBe('answered');
        continue;
      }
      const answered: SQSBatchResponse = await stack.handler({
        Records: [{ messageId: message.MessageId!, body: message.Body! }],
      } as unknown as SQSEvent);
      expect(answered.batchItemFailures).toEqual([]);
    }
    return undefined;
  }, `the end of ${executionArn}`);
  return { end, messages };
}

/**
 * The Fargate worker's entry (`runFargateTry`, what the container runs) for a task message, its IAM calls checked
 * as the Fargate task role: the message in the `AIRSTEP_*` variables `ecs:runTask.waitForTaskToken` sets.
 */
async function fargateTry(message: TaskMessage) {
  const stackVariables = Object.fromEntries(
    Object.values(STACK_ENV)
      .filter((variable) => process.env[variable] !== undefined)
      .map((variable) => [variable, process.env[variable]!]),
  );
  const env: Record<string, string> = {
    ...stackVariables,
    [FARGATE_ENV.taskToken]: message.token,
    [FARGATE_ENV.dagId]: message.dagId,
    [FARGATE_ENV.dagVersion]: message.dagVersion,
    [FARGATE_ENV.taskId]: message.taskId,
    [FARGATE_ENV.executionArn]: message.executionArn,
    [FARGATE_ENV.retryCount]: String(message.retryCount),
    [FARGATE_ENV.ctx]: JSON.stringify(message.ctx),
  };
  const standIns = Object.fromEntries(
    Object.entries(STACK_ENV)
      .filter(([, variable]) => env[variable] !== undefined)
      .map(([key, variable]) => [key, env[variable]]),
  );
  return asRole('fargateWorker', runFargateTry, standIns)(env);
}

/** The recorder's event for an execution that stopped, as EventBridge delivers it. */
async function recordEnd(end: DescribeExecutionCommandOutput): Promise<void> {
  const detail: ExecutionStatusChange = {
    executionArn: end.executionArn!,
    stateMachineArn: end.stateMachineArn!,
    name: end.name!,
    status: end.status as ExecutionStatusChange['status'],
    startDate: end.startDate!.getTime(),
    stopDate: end.stopDate!.getTime(),
    input: end.input ?? null,
    output: end.output ?? null,
    error: end.error ?? null,
    cause: end.cause ?? null,
  };
  await recorder({
    version: '0',
    id: `event-${end.name}-${end.status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: end.stopDate!.toISOString(),
    region: 'us-east-1',
    resources: [end.executionArn!],
    detail,
  });
}

const runItem = async () =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: stack.tables.runs,
        Key: { dagId: { S: DAG }, runId: { S: RUN } },
        ConsistentRead: true,
      }),
    )
  ).Item!;
const records = async () =>
  Object.fromEntries(
    (await listTaskInstances(dynamo(), stack.tables.taskInstances, DAG, RUN)).map((task) => [
      task.taskId,
      { state: task.state, tries: task.tries },
    ]),
  );
const executionsOfDag = async () =>
  ((await stack.sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).map((e) => e.name).sort();

describe('airstep clear --stack (moto)', () => {
  let firstArn: string;

  it('runs the fixture to a failed run: transform fails both tries, load is upstream_failed', async () => {
    shared.cloudClearRuns = {};
    shared.cloudClearBroken = true;
    const started = await trigger({ kind: 'manual', dagId: DAG, logicalDate: '2026-11-24T00:00:00Z' });
    expect(started).toMatchObject({ outcome: 'started', runId: RUN });
    firstArn = (started as { executionArn: string }).executionArn;

    // A run still running cannot be cleared: exit 2, nothing asked of the trigger.
    const running = await cli('clear', RUN);
    expect(running.code).toBe(2);
    expect(running.stderr).toContain(`${DAG} › ${RUN} is still running: clear an ended run`);

    const { end, messages } = await runToEnd(firstArn);
    expect(end.status).toBe('FAILED');
    expect(messages).toEqual(['extract', 'transform', 'transform']);
    await recordEnd(end);
    expect(await runItem()).toMatchObject({ state: { S: 'failed' }, executionArn: { S: firstArn } });
    expect(await records()).toEqual({
      extract: { state: 'success', tries: 1 },
      transform: { state: 'failed', tries: 2 },
      load: { state: 'upstream_failed', tries: undefined },
    });
    expect(shared.cloudClearRuns).toEqual({ extract: 1, transform: 2 });
  });

  it('refuses bad input with exit 2 and changes nothing; --dry-run shows the plan', async () => {
    const before = { run: await runItem(), tasks: await records(), executions: await executionsOfDag() };
    const [unknownRun, unknownTask, noFailed, badRegex] = await Promise.all([
      cli('clear', 'manual__1999'),
      cli('clear', RUN, '--task', '^nope$'),
      cli('clear', RUN, '--task', '^extract$', '--failed'),
      cli('clear', RUN, '--task', '('),
    ]);
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.stderr).toContain("no run 'manual__1999'");
    expect(unknownTask.code).toBe(2);
    expect(unknownTask.stderr).toContain('cloud_clear_dag.ts › dag cloud_clear: --task /^nope$/ matches no task');
    expect(noFailed.code).toBe(2);
    expect(noFailed.stderr).toContain('no failed task instance to clear among tasks matching /^extract$/');
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toContain('--task: Invalid regular expression');

    // The trigger refuses what the CLI checked when the world changed in between: a paused DAG.
    const planned = await planCloudClear(RUN, {}, cloud, { dynamo: dynamoClient(), sfn: stack.sfn, s3: stack.s3 });
    if (!planned.ok) throw new Error(planned.message);
    const live = (await readDagRecord(dynamo(), stack.tables.dags, DAG))!;
    expect(await markPaused(dynamo(), stack.tables.dags, live, live, new Date('2026-11-25T00:00:00Z'))).toBe(true);
    const paused = await cli('clear', RUN);
    expect(paused.code).toBe(2);
    expect(paused.stderr).toContain(`${DAG} › ${RUN}: DAG ${DAG} is paused (since 2026-11-25T00:00:00.000Z)`);
    expect(await trigger(planned.value.event)).toMatchObject({ outcome: 'refused', code: 'DAG_PAUSED' });
    await markUnpaused(dynamo(), stack.tables.dags, DAG);

    const dry = await cli('clear', RUN, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, cleared: ['load', 'transform'], kept: ['extract'] });
    expect({ run: await runItem(), tasks: await records(), executions: await executionsOfDag() }).toEqual(before);
  });

  it('clears the failed run: a new execution of the same run re-runs transform and load, keeping extract', async () => {
    shared.cloudClearBroken = false;
    const planned = await planCloudClear(RUN, {}, cloud, {
      dynamo: dynamoClient(),
      sfn: stack.sfn,
      s3: stack.s3,
    });
    if (!planned.ok) throw new Error(planned.message);
    const { event } = planned.value;
    expect(event.clear).toMatchObject({
      attempt: 1,
      kept: { extract: { state: 'success', try: 1 } },
      priorTries: { extract: 1, transform: 2 },
    });
    expect(event.ctx).toMatchObject({ dagId: DAG, runId: RUN });

    const started = await trigger(event);
    expect(started).toMatchObject({ outcome: 'started', runId: RUN });
    const clearArn = (started as { executionArn: string }).executionArn;
    expect(clearArn).not.toBe(firstArn);
    // The same request again starts nothing: the run moved on (and the execution name is the attempt's).
    expect(await trigger(event)).toMatchObject({ outcome: 'duplicate', runId: RUN, executionArn: clearArn });
    expect(await executionsOfDag()).toEqual([
      RUN.replace(/[^A-Za-z0-9_-]/g, '_'),
      `${RUN.replace(/[^A-Za-z0-9_-]/g, '_')}__clear1`,
    ]);
    expect(await runItem()).toMatchObject({
      state: { S: 'running' },
      clears: { N: '1' },
      executionArn: { S: clearArn },
    });
    expect((await runItem()).endedAt).toBeUndefined();

    // extract's message goes to the Fargate worker's entry, the others to the Lambda worker: both keep alike.
    const { end, messages } = await runToEnd(clearArn, ['extract']);
    expect(end.status).toBe('SUCCEEDED');
    // extract's message came and was answered with its kept result: its code did not run again.
    expect(messages).toEqual(['extract', 'transform', 'load']);
    expect(shared.cloudClearRuns).toEqual({ extract: 1, transform: 3, load: 1 });
    const output = JSON.parse(end.output!) as { tasks: Record<string, { output: unknown; try: number }> };
    // The kept output reached transform (its rows doubled); try numbers went on after the two failed tries.
    expect(output.tasks.extract).toMatchObject({ output: { rows: [1, 2, 3], extractedOnce: 1 }, try: 1 });
    expect(output.tasks.transform).toMatchObject({ output: { doubled: [2, 4, 6], tryNumber: 3 }, try: 3 });
    expect(output.tasks.load).toMatchObject({ state: 'success', try: 1 });
    expect(shared.cloudClearLoaded).toEqual({ doubled: [2, 4, 6], tryNumber: 3 });
    // The worker's live record of the cleared task landed over the first execution's final record.
    expect((await records()).transform).toEqual({ state: 'success', tries: 3 });

    await recordEnd(end);
    expect(await runItem()).toMatchObject({
      state: { S: 'success' },
      executionArn: { S: clearArn },
      clears: { N: '1' },
    });
    expect(await records()).toEqual({
      extract: { state: 'success', tries: 1 },
      transform: { state: 'success', tries: 3 },
      load: { state: 'success', tries: 1 },
    });
    // The recorder's records are final for the new execution: a late write of its own (a redelivered try) or of
    // the first execution (an earlier try) lands on none of them.
    const late = (executionArn: string, tryNumber: number) =>
      recordTry(
        dynamo(),
        stack.tables.taskInstances,
        { dagId: DAG, runId: RUN, taskId: 'transform', mapIndex: -1, tryNumber, executionArn, token: 't' },
        { phase: 'running', state: 'running', at: new Date() },
      );
    expect([await late(clearArn, 4), await late(firstArn, 2)]).toEqual([false, false]);
    expect((await records()).transform).toEqual({ state: 'success', tries: 3 });
    // The first execution's end, delivered again late (EventBridge may): stale, the run and records stay.
    const runBefore = await runItem();
    await recordEnd(await stack.sfn.send(new DescribeExecutionCommand({ executionArn: firstArn })));
    expect(await runItem()).toEqual(runBefore);
    expect(runBefore.endedExecutions).toEqual({ SS: [firstArn] });
    expect(await records()).toEqual({
      extract: { state: 'success', tries: 1 },
      transform: { state: 'success', tries: 3 },
      load: { state: 'success', tries: 1 },
    });
  });

  it('refuses to clear the succeeded run by default (nothing failed) and a stale clear of the first execution', async () => {
    const nothing = await cli('clear', RUN);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('no failed, upstream_failed or interrupted task instance to clear');
    // A clear planned from the first execution, asked for again after the run moved on: refused, nothing started.
    const stale = await trigger({
      kind: 'clear',
      dagId: DAG,
      runId: RUN,
      previousExecutionArn: firstArn,
      ctx: { dagId: DAG, runId: RUN },
      clear: { attempt: 1, kept: {}, priorTries: {} },
    });
    expect(stale).toMatchObject({ outcome: 'duplicate', state: 'success' });
    expect(await executionsOfDag()).toHaveLength(2);
    expect(await runItem()).toMatchObject({ state: { S: 'success' } });
  });

  it('queues a clear while the DAG runs maxActiveRuns runs, as Airflow queues a cleared run; the recorder starts it when a place frees', async () => {
    // Another run of the DAG takes its one place (maxActiveRuns 1).
    const other = await trigger({ kind: 'manual', dagId: DAG, logicalDate: '2026-11-25T00:00:00Z' });
    expect(other).toMatchObject({ outcome: 'started' });
    const otherArn = (other as { executionArn: string }).executionArn;
    const clearedBefore = (await runItem()).executionArn!.S!;

    // The whole run again (as a backfill's --reprocess asks for): nothing kept, try numbers go on.
    const planned = await planCloudClear(RUN, { task: /.*/ }, cloud, {
      dynamo: dynamoClient(),
      sfn: stack.sfn,
      s3: stack.s3,
    });
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.value.cleared).toEqual(['extract', 'load', 'transform']);
    expect(planned.value.event.clear).toMatchObject({ attempt: 2, kept: {} });
    expect(await trigger(planned.value.event)).toEqual({ outcome: 'queued', runId: RUN, activeRuns: 1 });
    // Asked again while it waits: the same clear, nothing more queued.
    expect(await trigger(planned.value.event)).toMatchObject({ outcome: 'duplicate', state: 'queued' });
    expect(await runItem()).toMatchObject({
      state: { S: 'queued' },
      clears: { N: '2' },
      executionArn: { S: clearedBefore },
      endedExecutions: { SS: expect.arrayContaining([firstArn, clearedBefore]) },
    });
    // Queued, it is not running: nothing of it started, and the CLI refuses another clear of it.
    const execution = `${RUN.replace(/[^A-Za-z0-9_-]/g, '_')}__clear2`;
    expect(await executionsOfDag()).not.toContain(execution);
    const queued = await cli('clear', RUN, '--task', '.*');
    expect(queued.code).toBe(2);
    expect(queued.stderr).toContain(`${DAG} › ${RUN} is still queued: clear an ended run`);

    // The other run ends: the recorder starts the queued clear under its own name.
    const otherEnd = await runToEnd(otherArn);
    expect(otherEnd.end.status).toBe('SUCCEEDED');
    await recordEnd(otherEnd.end);
    expect(await executionsOfDag()).toContain(execution);
    const running = await runItem();
    expect(running).toMatchObject({ state: { S: 'running' }, clears: { N: '2' } });
    const clearArn = running.executionArn!.S!;
    expect(clearArn.endsWith(`:${execution}`)).toBe(true);

    const runsBefore = { ...shared.cloudClearRuns };
    const { end, messages } = await runToEnd(clearArn);
    expect(end.status).toBe('SUCCEEDED');
    expect(messages).toEqual(['extract', 'transform', 'load']);
    // Every task's code ran again (nothing kept), extract too.
    expect(shared.cloudClearRuns).toEqual({
      extract: runsBefore.extract! + 1,
      transform: runsBefore.transform! + 1,
      load: runsBefore.load! + 1,
    });
    await recordEnd(end);
    expect(await runItem()).toMatchObject({ state: { S: 'success' }, executionArn: { S: clearArn } });
    expect(await records()).toEqual({
      extract: { state: 'success', tries: 2 },
      transform: { state: 'success', tries: 4 },
      load: { state: 'success', tries: 2 },
    });
  });
});
