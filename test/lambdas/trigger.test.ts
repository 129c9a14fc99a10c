import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { releaseLease, takeLease } from '../../lib/dynamo/item-lease.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { admissionLease } from '../../lib/runs/admission-lease.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import type { TriggerEvent, TriggerResult } from '../../lib/runs/trigger-run.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The trigger Lambda's handler against moto's Step Functions and DynamoDB (real StartExecution with its name
 * idempotency, real conditional writes), invoked with the events EventBridge Scheduler and `airstep trigger`
 * send.
 */
let moto: RunningEmulator;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let sfn: SFNClient;
let handler: (event: TriggerEvent) => Promise<TriggerResult>;
const dynamo = () => dynamoFor(moto.endpoint);

const deployDag = (dagId: string, options: Partial<DagRecord> = {}) =>
  deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, {
    params: { limit: { type: 'integer', default: 10, minimum: 1 } },
    ...options,
  });
const executions = async (record: DagRecord) =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? [];
const runRecord = async (dagId: string, runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({ TableName: tables.runs, Key: { dagId: { S: dagId }, runId: { S: runId } } }),
    )
  ).Item;
const queuedRuns = async (dagId: string) =>
  ((await dynamo().send(new ScanCommand({ TableName: tables.queuedRuns }))).Items ?? [])
    .filter((item) => item.dagId?.S === dagId)
    .map((item) => item.runId?.S);

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  sfn = new SFNClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  tables = await createStackTables(dynamo(), 'trigger');
  Object.assign(process.env, {
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
  });
  handler = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
});
afterAll(async () => {
  await moto?.stop();
});

describe('trigger Lambda', () => {
  it('starts the scheduled run of the interval that just ended, named by its run id; a second fire starts nothing', async () => {
    const record = await deployDag('daily_report');
    const fire = { kind: 'scheduled', dagId: 'daily_report', scheduledTime: '2026-11-24T00:00:00Z' } as const;
    const runId = 'scheduled__2026-11-23T00:00:00+00:00';
    const first = await handler(fire);
    expect(first).toEqual({ outcome: 'started', runId, executionArn: expect.stringContaining(executionName(runId)) });
    expect(await handler(fire)).toEqual({
      outcome: 'duplicate',
      runId,
      executionName: executionName(runId),
      state: 'running',
      executionArn: (first as { executionArn: string }).executionArn,
    });
    expect((await executions(record)).map((execution) => execution.name)).toEqual([executionName(runId)]);
    const run = await runRecord('daily_report', runId);
    expect({
      state: run?.state?.S,
      runType: run?.runType?.S,
      logicalDate: run?.logicalDate?.S,
      dagVersion: run?.dagVersion?.S,
      executionArn: run?.executionArn?.S,
    }).toEqual({
      state: 'running',
      runType: 'scheduled',
      logicalDate: '2026-11-23T00:00:00+00:00',
      dagVersion: 'v1',
      executionArn: (first as { executionArn: string }).executionArn,
    });
  });

  it('starts one run when two fires of the same time arrive together', async () => {
    const record = await deployDag('racing');
    const fire = { kind: 'scheduled', dagId: 'racing', scheduledTime: '2026-11-24T00:00:30Z' } as const;
    const results = await Promise.all([handler(fire), handler(fire), handler(fire)]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['duplicate', 'duplicate', 'started']);
    expect(await executions(record)).toHaveLength(1);
  });

  it('refuses conf that fails the params schema, naming the field, and creates no run', async () => {
    const record = await deployDag('strict_params');
    const result = await handler({
      kind: 'manual',
      dagId: 'strict_params',
      conf: { limit: 0 },
      logicalDate: '2026-11-20T00:00:00Z',
    });
    expect(result.outcome).toBe('refused');
    expect((result as { problems: string[] }).problems).toEqual([
      expect.stringMatching(/^dag strict_params › params\.limit: .*(>=|at least|greater).*1/i),
    ]);
    expect(await executions(record)).toEqual([]);
    expect(await runRecord('strict_params', 'manual__2026-11-20T00:00:00+00:00')).toBeUndefined();
    expect(await handler({ kind: 'manual', dagId: 'nope' })).toEqual({
      outcome: 'refused',
      problems: ["no DAG 'nope' is deployed"],
    });
    await deployDag('gone', { disabled: true });
    expect(await handler({ kind: 'manual', dagId: 'gone' })).toEqual({
      outcome: 'refused',
      problems: ['DAG gone is disabled (its file was deleted)'],
    });
    expect(await handler({ kind: 'scheduled', dagId: 'strict_params', scheduledTime: '2026-10-01T00:00:00Z' })).toEqual(
      { outcome: 'skipped', reason: 'no run of strict_params fires at 2026-10-01T00:00:00Z' },
    );
  });

  it('admits two runs triggered at the same moment one after the other: with maxActiveRuns 1, one starts and one waits', async () => {
    const record = await deployDag('single_lane', { maxActiveRuns: 1 });
    const results = await Promise.all(
      ['2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z'].map((logicalDate) =>
        handler({ kind: 'manual', dagId: 'single_lane', logicalDate }),
      ),
    );
    expect(results.map((result) => result.outcome).sort()).toEqual(['queued', 'queued', 'started']);
    expect(await executions(record)).toHaveLength(1);
    expect(await queuedRuns('single_lane')).toHaveLength(2);
  });

  it('waits for an admission another trigger or recorder holds', async () => {
    await deployDag('held_lane');
    const other = admissionLease(dynamo(), tables.dags, 'held_lane', { holder: 'recorder', seconds: 30, waitMs: 0 });
    await takeLease(other);
    setTimeout(() => void releaseLease(other), 1000);
    const started = Date.now();
    const result = await handler({ kind: 'manual', dagId: 'held_lane', logicalDate: '2026-11-20T00:00:00Z' });
    expect(result.outcome).toBe('started');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('queues a run when maxActiveRuns runs are running, and queues it only once', async () => {
    const record = await deployDag('one_at_a_time', { maxActiveRuns: 1 });
    const manual = (day: number) =>
      ({ kind: 'manual', dagId: 'one_at_a_time', logicalDate: `2026-11-${day}T00:00:00Z` }) as const;
    expect((await handler(manual(20))).outcome).toBe('started');
    expect(await handler(manual(21))).toEqual({
      outcome: 'queued',
      runId: 'manual__2026-11-21T00:00:00+00:00',
      activeRuns: 1,
    });
    expect(await handler(manual(21))).toMatchObject({ outcome: 'duplicate', state: 'queued' });
    expect(await executions(record)).toHaveLength(1);
    expect(await queuedRuns('one_at_a_time')).toEqual(['manual__2026-11-21T00:00:00+00:00']);
    expect((await runRecord('one_at_a_time', 'manual__2026-11-21T00:00:00+00:00'))?.state?.S).toBe('queued');
  });
});
