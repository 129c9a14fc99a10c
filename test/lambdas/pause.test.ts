import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type DagSyncDeps, syncDagFile } from '../../lib/dag-sync/dag-sync.ts';
import { pauseDeployedDag, unpauseDeployedDag } from '../../lib/dag-sync/pause-dag.ts';
import type { RunTrigger } from '../../lib/dag-sync/trigger-client.ts';
import { readDagRecord, writeDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * Pause and unpause of deployed DAGs on moto: the trigger's handler (as its role, for the IAM check) skipping and
 * counting a paused DAG's scheduled fires and refusing its manual triggers unless forced; `pauseDeployedDag` /
 * `unpauseDeployedDag` (what `airstep pause|unpause --stack` run) on moto's Scheduler, keeping every field of a
 * schedule; unpause handing the trigger the intervals missed while paused; and dag-sync (as its role) keeping a
 * paused DAG's schedules DISABLED and starting no catchup run when its file is uploaded again. dag-sync's DAG
 * evaluator is a Lambda of its own (tested in dag-sync.test.ts); here the test compiles the DAG in-process and
 * hands dag-sync the same answer, since moto runs no Lambda code and the sandbox is not what is under test.
 */
const region = 'us-east-1';
const BUCKET = 'airstep-pause-test';
const GROUP = 'airstep-dags';
const STATE_MACHINE_ROLE = 'arn:aws:iam::123456789012:role/airstep-state-machines';
const SCHEDULER_ROLE = 'arn:aws:iam::123456789012:role/airstep-scheduler';
let moto: RunningEmulator;
let sfn: SFNClient;
let sqs: SQSClient;
let s3: S3Client;
let scheduler: SchedulerClient;
let failedEvents: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let trigger: (event: unknown) => Promise<TriggerResult>;
const dynamo = () => dynamoFor(moto.endpoint);

// Dates relative to today (UTC), so a DAG owes a known number of daily intervals whenever the test runs. One
// instant for the file: sync, pause and unpause read it too (their `now`), so a run across midnight UTC counts the
// same days as the test does.
const NOW = new Date();
const today = Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate());
const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);

const runIds = async (stateMachineArn: string) =>
  ((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).map((e) => e.name).sort();
const failedEventCount = async () =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl: failedEvents, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })))
    .Messages?.length ?? 0;
const scheduleOf = (name: string) => scheduler.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
const pauseDeps = () => ({ dynamo: dynamo(), dagsTable: tables.dags, scheduler, scheduleGroup: GROUP });
/**
 * What dag-sync and `airstep unpause` hand the trigger Lambda, recorded: moto cannot start executions on the
 * `live` alias dag-sync creates (dag-sync-catchup.test.ts runs that on MiniStack; the e2e suite on the deployed
 * stack), and what the trigger does with a fire of a paused DAG is tested above.
 */
const handedOver: string[] = [];
const recordingTrigger: RunTrigger = async (fire) => {
  handedOver.push(fire.scheduledTime);
  return { outcome: 'started' };
};

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const config = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(config);
  sqs = new SQSClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  scheduler = new SchedulerClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  tables = await createStackTables(dynamo(), 'pause');
  failedEvents = (await sqs.send(new CreateQueueCommand({ QueueName: 'pause-failed-events' }))).QueueUrl!;
  Object.assign(process.env, {
    [STACK_ENV.failedEventsQueueUrl]: failedEvents,
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    [STACK_ENV.importErrorsTable]: tables.importErrors,
    [STACK_ENV.scheduleGroup]: GROUP,
    [STACK_ENV.namePrefix]: 'airstep',
    // The roles dag-sync passes: the IAM check maps them to the template's through these variables.
    [STACK_ENV.stateMachineRoleArn]: STATE_MACHINE_ROLE,
    [STACK_ENV.schedulerRoleArn]: SCHEDULER_ROLE,
    // The DAGs here declare no deadline: nothing is scheduled or invoked with these.
    [STACK_ENV.deadlineScheduleGroup]: 'airstep-deadlines',
    [STACK_ENV.deadlineRoleArn]: 'arn:aws:iam::000000000000:role/airstep-deadlines',
    [STACK_ENV.recorderFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:airstep-recorder',
  });
  const handler = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
  trigger = (event) => handler(event);
});
afterAll(async () => {
  await moto?.stop();
});

describe('trigger: a paused DAG', () => {
  it('skips and counts a scheduled fire, writes no failed event, refuses a manual trigger unless forced', async () => {
    const record = await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'paused_report');
    const paused = await pauseDeployedDag('paused_report', pauseDeps());
    expect(paused).toMatchObject({ outcome: 'paused', dagId: 'paused_report', schedules: [] });

    const fire = { kind: 'scheduled', dagId: 'paused_report', scheduledTime: '2026-11-23T00:00:00Z' };
    expect(await trigger(fire)).toEqual({
      outcome: 'paused',
      dagId: 'paused_report',
      scheduledTime: '2026-11-23T00:00:00Z',
      pausedAt: (paused as { pausedAt: string }).pausedAt,
    });
    await trigger({ ...fire, scheduledTime: '2026-11-24T00:00:00Z' });
    expect(await readDagRecord(dynamo(), tables.dags, 'paused_report')).toMatchObject({
      pausedAt: (paused as { pausedAt: string }).pausedAt,
      pausedFires: { count: 2, lastScheduledTime: '2026-11-24T00:00:00Z' },
    });

    const manual = await trigger({ kind: 'manual', dagId: 'paused_report', logicalDate: '2026-11-22T06:00:00Z' });
    expect(manual).toEqual({
      outcome: 'refused',
      code: 'DAG_PAUSED',
      problems: [
        `DAG paused_report is paused (since ${(paused as { pausedAt: string }).pausedAt}): no run created; ` +
          'unpause it (airstep unpause paused_report) or trigger it anyway with --force',
      ],
    });
    expect(await runIds(record.stateMachineArn)).toEqual([]);
    // A pause is asked for: nothing for the failed-events alarm.
    expect(await failedEventCount()).toBe(0);

    const forced = await trigger({
      kind: 'manual',
      dagId: 'paused_report',
      logicalDate: '2026-11-22T06:00:00Z',
      force: true,
    });
    expect(forced).toMatchObject({ outcome: 'started', runId: 'manual__2026-11-22T06:00:00+00:00' });
    expect(await runIds(record.stateMachineArn)).toHaveLength(1);

    // Unpaused (no schedule, no trigger given: nothing owed is handed over), the next fire starts a run.
    expect(await unpauseDeployedDag('paused_report', pauseDeps())).toMatchObject({ outcome: 'unpaused' });
    const record2 = await readDagRecord(dynamo(), tables.dags, 'paused_report');
    expect(record2).not.toHaveProperty('pausedAt');
    expect(record2).not.toHaveProperty('pausedFires');
    expect(await trigger(fire)).toMatchObject({ outcome: 'started' });
  });

  it("queues a triggerDag step's run of a paused DAG (Airflow 3), keeps it queued while paused, starts it on unpause", async () => {
    const record = await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'paused_target');
    await pauseDeployedDag('paused_target', pauseDeps());
    const runId = 'triggered__parent.start_target__manual__2026-11-22T00:00:00+00:00';
    const step = { kind: 'manual', dagId: 'paused_target', conf: {}, logicalDate: '2026-11-22T00:00:00Z', runId };

    expect(await trigger(step)).toEqual({ outcome: 'queued', runId, activeRuns: 0 });
    // The step retried (or cleared) finds its run, still queued.
    expect(await trigger(step)).toMatchObject({ outcome: 'duplicate', runId, state: 'queued' });
    // Still paused: an unpaused event starts nothing (the recorder starts none either: startQueuedRuns).
    expect(await trigger({ kind: 'unpaused', dagId: 'paused_target' })).toEqual({
      outcome: 'resumed',
      dagId: 'paused_target',
      started: [],
    });
    expect(await runIds(record.stateMachineArn)).toEqual([]);
    expect(await failedEventCount()).toBe(0);

    const unpaused = await unpauseDeployedDag('paused_target', {
      ...pauseDeps(),
      resumeQueued: async (dagId) =>
        ((await trigger({ kind: 'unpaused', dagId })) as unknown as { started: string[] }).started,
    });

    expect(unpaused).toMatchObject({ outcome: 'unpaused', resumed: [runId] });
    expect(await runIds(record.stateMachineArn)).toEqual([executionName(runId)]);
    expect(await trigger(step)).toMatchObject({ outcome: 'duplicate', runId, state: 'running' });
  });

  it('answers an unknown DAG without writing anything', async () => {
    expect(await pauseDeployedDag('no_such_dag', pauseDeps())).toEqual({
      outcome: 'unknown-dag',
      dagId: 'no_such_dag',
    });
    expect(await unpauseDeployedDag('no_such_dag', pauseDeps())).toEqual({
      outcome: 'unknown-dag',
      dagId: 'no_such_dag',
    });
    const item = await dynamo().send(
      new GetItemCommand({ TableName: tables.dags, Key: { dagId: { S: 'no_such_dag' }, version: { S: 'LATEST' } } }),
    );
    expect(item.Item).toBeUndefined();
  });
});

describe('dag-sync, pause and unpause of a deployed DAG with schedules', () => {
  // Starts five days ago, with catchup; the test uploads, pauses, uploads again, unpauses.
  const source = (tasks: number) => `import { dag } from 'airstep';
const d = dag({ id: 'paused_sync', schedule: '@daily', startDate: '${day(-5)}', catchup: true });
${Array.from({ length: tasks }, (_, i) => `d.task('t${i}', async () => ${i});`).join('\n')}
export default d;
`;
  const compiledAnswer = (tasks: number) => {
    const d = dag({ id: 'paused_sync', schedule: '@daily', startDate: day(-5), catchup: true });
    for (let i = 0; i < tasks; i++) d.task(`t${i}`, async () => i);
    const compiled = compileDag(d);
    return {
      ok: true as const,
      dags: [
        {
          dagId: compiled.ir.dagId,
          ir: compiled.ir,
          asl: compiled.asl,
          manifest: compiled.manifest,
          problems: compiled.problems,
        },
      ],
    };
  };
  let answer = compiledAnswer(1);
  const syncDeps = (): DagSyncDeps => ({
    s3,
    sfn,
    dynamo: dynamo(),
    scheduler,
    tables: { dags: tables.dags, importErrors: tables.importErrors },
    namePrefix: 'airstep',
    stateMachineRoleArn: STATE_MACHINE_ROLE,
    placeholders: {
      controlQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/control',
      taskQueueUrls: { default: 'https://sqs.us-east-1.amazonaws.com/000000000000/tasks' },
    },
    schedules: {
      group: GROUP,
      roleArn: SCHEDULER_ROLE,
      triggerArn: 'arn:aws:lambda:us-east-1:000000000000:function:airstep-trigger',
    },
    evaluate: async () => answer,
    trigger: recordingTrigger,
    now: () => NOW,
  });
  const upload = async (tasks: number) => {
    answer = compiledAnswer(tasks);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/paused_sync.ts', Body: source(tasks) }));
    return asRole('dagSync', syncDagFile, { bucket: BUCKET })(
      { kind: 'created', bucket: BUCKET, key: 'dags/paused_sync.ts' },
      syncDeps(),
    );
  };

  const atNow = () => ({ ...pauseDeps(), now: () => NOW });

  it('keeps a paused DAG paused through an upload and hands over what it missed on unpause', async () => {
    // First deployment: catchup hands over the five intervals that ended since the start date.
    const first = await upload(1);
    expect(first).toMatchObject({ outcome: 'deployed', catchup: [{ answers: { started: 5 } }] });
    expect(handedOver).toEqual([-4, -3, -2, -1, 0].map(fireAt));
    handedOver.length = 0;
    const record = (await readDagRecord(dynamo(), tables.dags, 'paused_sync'))!;
    const before = await scheduleOf('paused_sync--0');
    expect(before.State).toBe('ENABLED');

    const paused = await pauseDeployedDag('paused_sync', atNow());
    expect(paused).toMatchObject({ outcome: 'paused', schedules: ['paused_sync--0'] });
    const disabled = await scheduleOf('paused_sync--0');
    // UpdateSchedule replaces the whole schedule: everything but the state is as it was.
    expect({ ...disabled, State: 'ENABLED', LastModificationDate: undefined, $metadata: undefined }).toEqual({
      ...before,
      LastModificationDate: undefined,
      $metadata: undefined,
    });
    expect(disabled.State).toBe('DISABLED');
    expect(await pauseDeployedDag('paused_sync', atNow())).toMatchObject({
      outcome: 'already-paused',
      schedules: [],
    });

    // A new version of the file while paused: deployed, its schedule written DISABLED, no catchup run.
    const again = await upload(2);
    expect(again).toMatchObject({ outcome: 'deployed', dags: ['paused_sync'] });
    expect(again).not.toHaveProperty('catchup');
    expect((await scheduleOf('paused_sync--0')).State).toBe('DISABLED');
    const redeployed = (await readDagRecord(dynamo(), tables.dags, 'paused_sync'))!;
    expect(redeployed.dagVersion).not.toBe(record.dagVersion);
    expect(redeployed.pausedAt).toBe((paused as { pausedAt: string }).pausedAt);
    expect(handedOver).toEqual([]);

    // Unpaused the same day it was paused: nothing ended meanwhile, nothing is owed.
    expect(await unpauseDeployedDag('paused_sync', { ...atNow(), trigger: recordingTrigger })).toEqual({
      outcome: 'unpaused',
      dagId: 'paused_sync',
      schedules: ['paused_sync--0'],
      disabled: false,
    });
    expect((await scheduleOf('paused_sync--0')).State).toBe('ENABLED');
    expect(handedOver).toEqual([]);

    // Paused again, as if two days ago (the mark the pause keeps moved back two intervals): the unpause owes the
    // two intervals that ended while paused, oldest first (catchup), and hands them to the trigger.
    await pauseDeployedDag('paused_sync', atNow());
    await moveMarkBack(2);
    const unpaused = await unpauseDeployedDag('paused_sync', { ...atNow(), trigger: recordingTrigger });
    expect(unpaused).toMatchObject({
      outcome: 'unpaused',
      catchup: [{ answers: { started: 2 }, logicalDates: [scheduledLogical(-2), scheduledLogical(-1)], capped: false }],
    });
    expect(handedOver).toEqual([-1, 0].map(fireAt));
  });
});

/** When the daily interval ending `offset` days from today fires (its end). */
function fireAt(offset: number): string {
  return `${day(offset)}T00:00:00+00:00`;
}

function scheduledLogical(offset: number): string {
  return `${day(offset)}T00:00:00+00:00`;
}

/** Moves the DAG's catchup mark `days` back, as if it had been paused then. */
async function moveMarkBack(days: number): Promise<void> {
  const record = (await readDagRecord(dynamo(), tables.dags, 'paused_sync'))!;
  const through = scheduledLogical(-1 - days);
  await writeDagRecord(dynamo(), tables.dags, { ...record, catchup: { ...record.catchup!, through } });
}
