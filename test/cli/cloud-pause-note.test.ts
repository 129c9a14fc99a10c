import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleFireInput } from '../../lib/dag-sync/dag-schedules.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { utcDayWithRoom } from '../helpers/utc-day.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';

/**
 * `airstep pause | unpause | list | note | runs | tasks` with `--outputs`, as child processes, against moto's
 * DynamoDB and EventBridge Scheduler: the DAG record's pause mark, its schedules' state, the run item's note.
 * (The trigger's side of a pause is tested in test/lambdas/pause.test.ts; the whole path on the deployed stack
 * in test/e2e/stack-local.test.ts.)
 */
const region = 'us-east-1';
const GROUP = 'airstep-dags';
let moto: RunningEmulator;
let scheduler: SchedulerClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let scratch: string;
let outputsFile: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(moto.endpoint);

// Yesterday's daily interval is the latest that ended; the mark says it was handed over, so unpausing today owes
// nothing and the CLI invokes no trigger (moto runs no Lambda code). The CLI reads the clock itself: "today" is a
// day with room for this setup and the tests up to the unpause (120 s each at most), so no midnight falls between.
const UNTIL_UNPAUSED_MS = 4 * 120_000;

const scheduleState = async (name: string) =>
  (await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }))).State;
const latestItem = async (dagId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.dags,
        Key: { dagId: { S: dagId }, version: { S: 'LATEST' } },
        ConsistentRead: true,
      }),
    )
  ).Item;
const runItem = async (dagId: string, runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({ TableName: tables.runs, Key: { dagId: { S: dagId }, runId: { S: runId } } }),
    )
  ).Item;

beforeAll(async () => {
  const today = await utcDayWithRoom(UNTIL_UNPAUSED_MS);
  const yesterday = `${new Date(today - 86_400_000).toISOString().slice(0, 10)}T00:00:00+00:00`;
  moto = await startEmulator('moto');
  const config = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  const sfn = new SFNClient(config);
  scheduler = new SchedulerClient(config);
  await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  tables = await createStackTables(dynamo(), 'pausecli');
  const mark = { expression: '@daily', timezone: 'UTC', through: yesterday, until: new Date().toISOString() };
  await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'nightly_load', { catchup: mark });
  await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'hourly_sync', {
    schedule: { expression: '@hourly', timezone: 'UTC', catchup: false },
  });
  // nightly_load's schedule as dag-sync writes it, with an end date and a retry policy that must survive.
  await scheduler.send(
    new CreateScheduleCommand({
      Name: 'nightly_load--0',
      GroupName: GROUP,
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      EndDate: new Date('2030-01-01T00:00:00Z'),
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:airstep-trigger',
        RoleArn: 'arn:aws:iam::123456789012:role/airstep-scheduler',
        Input: scheduleFireInput('nightly_load'),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    }),
  );
  // Two ended runs of nightly_load, as the trigger and recorder leave them.
  for (const [runId, state, startedAt] of [
    ['scheduled__2026-12-01T00:00:00+00:00', 'success', '2026-12-02T00:00:03.000Z'],
    ['scheduled__2026-12-02T00:00:00+00:00', 'failed', '2026-12-03T00:00:03.000Z'],
  ] as const) {
    await dynamo().send(
      new PutItemCommand({
        TableName: tables.runs,
        Item: {
          dagId: { S: 'nightly_load' },
          runId: { S: runId },
          state: { S: state },
          runType: { S: 'scheduled' },
          startedAt: { S: startedAt },
          endedAt: { S: startedAt },
        },
      }),
    );
  }
  scratch = await mkdtemp(join(tmpdir(), 'airstep-cloud-pause-'));
  outputsFile = join(scratch, 'cdk-outputs.json');
  await writeFile(
    outputsFile,
    JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-trigger', GROUP) }, null, 2),
  );
  cli = (...args) => airstep(moto.env, ...args, '--outputs', outputsFile);
}, 120_000 + UNTIL_UNPAUSED_MS);
afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('Command: airstep pause / unpause --outputs', () => {
  it('refuses an unknown DAG with exit 2 and writes nothing', async () => {
    const result = await cli('pause', 'no_such_dag');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `no DAG 'no_such_dag' is deployed in ${outputsFile} › AirstepStack (see airstep list --stack); nothing changed\n`,
    );
    expect(await latestItem('no_such_dag')).toBeUndefined();
    expect((await cli('unpause', 'no_such_dag')).code).toBe(2);
    expect(await latestItem('no_such_dag')).toBeUndefined();
  });

  it('pauses: the record is marked, its schedule DISABLED with every other field kept; list shows it', async () => {
    const before = await scheduler.send(new GetScheduleCommand({ Name: 'nightly_load--0', GroupName: GROUP }));
    const paused = await cli('pause', 'nightly_load');
    expect(paused).toMatchObject({
      code: 0,
      stdout: 'paused nightly_load: 1 schedule(s) disabled; scheduled fires are skipped\n',
    });
    const after = await scheduler.send(new GetScheduleCommand({ Name: 'nightly_load--0', GroupName: GROUP }));
    expect(after.State).toBe('DISABLED');
    expect({ ...after, State: before.State, LastModificationDate: undefined, $metadata: undefined }).toEqual({
      ...before,
      LastModificationDate: undefined,
      $metadata: undefined,
    });
    expect((await latestItem('nightly_load'))?.pausedAt?.S).toMatch(/^\d{4}-\d\d-\d\dT/);

    const again = JSON.parse((await cli('pause', 'nightly_load', '--json')).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ outcome: 'already-paused', dagId: 'nightly_load', paused: true, schedules: [] });

    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^dag_id\s+schedule\s+version\s+state\s+last_run\s+next_run\s+file$/);
    expect(list.stdout).toMatch(/\nnightly_load\s+@daily\s+v1\s+paused\s+failed\s+-\s+dags\/nightly_load\.ts\n/);
    expect(list.stdout).toMatch(
      /\nhourly_sync\s+@hourly\s+v1\s+live\s+-\s+\S+T\S+:00:00\+00:00\s+dags\/hourly_sync\.ts\n/,
    );
    const listed = JSON.parse((await cli('list', '--json')).stdout) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags.find((dag) => dag.dagId === 'nightly_load')).toMatchObject({
      paused: true,
      lastRun: { runId: 'scheduled__2026-12-02T00:00:00+00:00', state: 'failed' },
      nextRun: null,
    });
  });

  it('unpauses: the mark goes, the schedule is ENABLED; nothing was missed today, so nothing is triggered', async () => {
    const unpaused = await cli('unpause', 'nightly_load', '--json');
    expect(unpaused.code).toBe(0);
    expect(JSON.parse(unpaused.stdout)).toEqual({
      where: `${outputsFile} › AirstepStack`,
      paused: false,
      outcome: 'unpaused',
      dagId: 'nightly_load',
      schedules: ['nightly_load--0'],
      disabled: false,
    });
    expect(await scheduleState('nightly_load--0')).toBe('ENABLED');
    expect(await latestItem('nightly_load')).not.toHaveProperty('pausedAt');
    const listed = JSON.parse((await cli('list', '--json')).stdout) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags.find((dag) => dag.dagId === 'nightly_load')).toMatchObject({
      paused: false,
      nextRun: { runAfter: expect.stringMatching(/T00:00:00\+00:00$/) },
    });
  });
});

describe('Command: airstep unpause --outputs with a run queued while paused', () => {
  // moto runs no Lambda, and this stack's trigger function does not exist there: a queued run makes unpause ask
  // the trigger to start it, and the failure is said as such (no stack trace), after the unpause itself was done.
  it('asks the trigger only when a run waits, and says so clearly when the trigger cannot be reached', async () => {
    expect((await cli('pause', 'hourly_sync')).code).toBe(0);
    await dynamo().send(
      new PutItemCommand({
        TableName: tables.runs,
        Item: {
          dagId: { S: 'hourly_sync' },
          runId: { S: 'triggered__parent.start__manual__2026-12-01' },
          state: { S: 'queued' },
          queuedAt: { S: '2026-12-01T00:00:00.000Z' },
        },
      }),
    );
    const unpaused = await cli('unpause', 'hourly_sync');
    expect(unpaused.code).toBe(1);
    expect(unpaused.stderr).toContain(
      'the trigger did not start the queued runs of hourly_sync (unpaused; run unpause again): ResourceNotFoundException',
    );
    expect(unpaused.stderr).not.toMatch(/^\s+at /m);
    expect(await latestItem('hourly_sync')).not.toHaveProperty('pausedAt');
  });
});

describe('Command: airstep note --outputs', () => {
  const run = 'scheduled__2026-12-02T00:00:00+00:00';

  it('sets the note on the run item; runs shows it cut short, tasks above the grid, --json whole', async () => {
    const text = 'Failed on the vendor outage of Dec 3; cleared once their API was back';
    const noted = await cli('note', 'scheduled__2026-12-02', text, '--dag', 'nightly_load');
    expect(noted).toMatchObject({ code: 0, stdout: `noted nightly_load › ${run}: ${text}\n` });
    const item = await runItem('nightly_load', run);
    expect(item?.note?.S).toBe(text);
    // The note is one more attribute: the run's own stay as they were.
    expect(item?.state?.S).toBe('failed');

    const runs = await cli('runs', 'nightly_load');
    expect(runs.stdout.split('\n')[0]).toBe(
      `nightly_load  ${run}  failed  2026-12-03T00:00:03.000Z  note: Failed on the vendor outage of Dec 3; c…`,
    );
    const json = JSON.parse((await cli('runs', 'nightly_load', '--json')).stdout) as { runs: Array<{ note?: string }> };
    expect(json.runs[0]!.note).toBe(text);
    const tasks = await cli('tasks', run, '--dag', 'nightly_load');
    expect(tasks.stdout.split('\n').slice(0, 2)).toEqual([`nightly_load › ${run} (failed)`, `note: ${text}`]);
  });

  it('refuses a prefix several runs share, an unknown run and a note too long with exit 2, writing nothing', async () => {
    const shared = await cli('note', 'scheduled__2026-12-0', 'x', '--dag', 'nightly_load');
    expect(shared.code).toBe(2);
    expect(shared.stderr).toMatch(
      /^'scheduled__2026-12-0' matches 2 runs of nightly_load in .*; give the whole run id, or --dag\n$/,
    );
    const unknown = await cli('note', 'manual__', 'x', '--dag', 'nightly_load');
    expect(unknown.code).toBe(2);
    expect(await runItem('nightly_load', 'manual__')).toBeUndefined();
    expect((await cli('note', run, 'x'.repeat(1001), '--dag', 'nightly_load')).code).toBe(2);
    expect((await runItem('nightly_load', run))?.note?.S).toMatch(/^Failed on the vendor outage/);
    expect((await runItem('nightly_load', 'scheduled__2026-12-01T00:00:00+00:00'))?.note).toBeUndefined();
  });

  it('removes the note with an empty text', async () => {
    const removed = await cli('note', run, '', '--dag', 'nightly_load');
    expect(removed).toMatchObject({ code: 0, stdout: `removed the note of nightly_load › ${run}\n` });
    expect(await runItem('nightly_load', run)).not.toHaveProperty('note');
  });
});
