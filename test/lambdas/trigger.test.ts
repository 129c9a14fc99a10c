import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DagRecord, writeDagRecord } from '../../lib/runtime/dag-record.ts';
import { executionName } from '../../lib/runtime/execution-name.ts';
import { type TriggerResult, triggerRun } from '../../lib/runtime/trigger-run.ts';
import { type RunningEmulator, startEmulator } from '../../localstack/launcher.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';

/** The trigger against moto's Step Functions and DynamoDB (real StartExecution, real conditional writes). */
let moto: RunningEmulator;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let sfn: SFNClient;
const dynamo = () => dynamoFor(moto.endpoint);

async function deployDag(dagId: string, maxActiveRuns = 16): Promise<DagRecord> {
  // A state machine that waits, so runs stay active while the test looks at them.
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `airstep-${dagId}`,
      roleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
      definition: JSON.stringify({ StartAt: 'hold', States: { hold: { Type: 'Wait', Seconds: 30, End: true } } }),
    }),
  );
  const record: DagRecord = {
    dagId,
    dagVersion: 'v1',
    file: `dags/${dagId}.ts`,
    aliasArn: machine.stateMachineArn!,
    stateMachineArn: machine.stateMachineArn!,
    schedule: { expression: '@daily', timezone: 'UTC', startDate: '2026-11-01', catchup: false },
    params: { limit: { type: 'integer', default: 10, minimum: 1 } },
    maxActiveRuns,
    disabled: false,
    updatedAt: '2026-11-24T00:00:00Z',
  };
  await writeDagRecord(dynamo(), tables.dags, record);
  return record;
}
const executions = async (record: DagRecord) =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? [];
const trigger = (event: Parameters<typeof triggerRun>[0], now = new Date('2026-11-24T00:00:05Z')) =>
  triggerRun(event, { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns }, now);

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  sfn = new SFNClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  tables = await createStackTables(dynamo(), 'trigger');
});
afterAll(async () => {
  await moto?.stop();
});

describe('trigger', () => {
  it('starts the scheduled run of the interval that just ended, named by its run id; a duplicate fire starts nothing', async () => {
    const record = await deployDag('daily_report');
    const fire = { kind: 'scheduled', dagId: 'daily_report', scheduledTime: '2026-11-24T00:00:00Z' } as const;
    const first = await trigger(fire);
    expect(first).toMatchObject({ outcome: 'started', runId: 'scheduled__2026-11-23T00:00:00+00:00' });
    const again: TriggerResult = await trigger(fire);
    expect(['started', 'duplicate']).toContain(again.outcome);
    const started = await executions(record);
    expect(started.map((execution) => execution.name)).toEqual([executionName('scheduled__2026-11-23T00:00:00+00:00')]);
    const runs = await dynamo().send(new ScanCommand({ TableName: tables.runs }));
    expect(runs.Items?.filter((item) => item.dagId?.S === 'daily_report').map((item) => item.state?.S)).toEqual([
      'running',
    ]);
  });

  it('refuses conf that fails the params schema, naming the field, and starts no run', async () => {
    const record = await deployDag('strict_params');
    const result = await trigger({ kind: 'manual', dagId: 'strict_params', conf: { limit: 0 } });
    expect(result.outcome).toBe('refused');
    expect((result as { problems: string[] }).problems[0]).toMatch(/^dag strict_params › params\.limit: /);
    expect(await executions(record)).toEqual([]);
    expect(await trigger({ kind: 'manual', dagId: 'nope' })).toEqual({
      outcome: 'refused',
      problems: ["no DAG 'nope' is deployed"],
    });
  });

  it('queues a run when maxActiveRuns runs are active', async () => {
    const record = await deployDag('one_at_a_time', 1);
    const first = await trigger({ kind: 'manual', dagId: 'one_at_a_time', logicalDate: '2026-11-20T00:00:00Z' });
    const second = await trigger({ kind: 'manual', dagId: 'one_at_a_time', logicalDate: '2026-11-21T00:00:00Z' });
    expect([first.outcome, second.outcome]).toEqual(['started', 'queued']);
    expect(await executions(record)).toHaveLength(1);
    const queued = await dynamo().send(new ScanCommand({ TableName: tables.queuedRuns }));
    expect(queued.Items?.map((item) => item.runId?.S)).toEqual(['manual__2026-11-21T00:00:00+00:00']);
  });
});
