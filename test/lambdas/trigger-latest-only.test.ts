import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * latestOnly in the cloud, end to end on moto: the trigger Lambda's handler starts the run (the scheduled run
 * carries its `latestWindow`, computed from the DAG record's schedule) and moto's Step Functions runs the compiled
 * state machine, deciding with its own clock. The DAG has no worker tasks, so nothing else is needed.
 */
let moto: RunningEmulator;
let sfn: SFNClient;
let handler: (event: unknown) => Promise<TriggerResult>;
let tables: Awaited<ReturnType<typeof createStackTables>>;

const latest = dag({ id: 'cloud_latest_only', schedule: '@daily', startDate: '2026-11-01' });
latest
  .latestOnly('latest_only')
  .then(latest.empty('refresh', { triggerRule: 'all_done' }))
  .then(latest.empty('archive', { triggerRule: 'none_failed' }));

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  sfn = new SFNClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  const dynamo = dynamoFor(moto.endpoint);
  tables = await createStackTables(dynamo, 'latest');
  const sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  const failedEvents = await sqs.send(new CreateQueueCommand({ QueueName: 'latest-failed-events' }));
  Object.assign(process.env, {
    [STACK_ENV.failedEventsQueueUrl]: failedEvents.QueueUrl!,
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.runsTable]: tables.runs,
    [STACK_ENV.queuedRunsTable]: tables.queuedRuns,
    // The DAGs here declare no deadline: nothing is scheduled or invoked with these.
    [STACK_ENV.deadlineScheduleGroup]: 'airstep-deadlines',
    [STACK_ENV.deadlineRoleArn]: 'arn:aws:iam::000000000000:role/airstep-deadlines',
    [STACK_ENV.recorderFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:airstep-recorder',
  });
  const compiled = compileDag(latest);
  const definition = JSON.parse(
    fillPlaceholders(compiled.asl!, {
      dagVersion: 'v1',
      controlQueueUrl: 'unused',
      taskQueueUrls: {},
      taskInstancesTable: tables.taskInstances,
    }),
  ) as object;
  await deployDagRecord({ sfn, dynamo, dagsTable: tables.dags }, latest.id, {
    definition,
    schedule: compiled.ir.schedule,
  });
  handler = asRole('trigger', (await import('../../lambdas/trigger/index.ts')).handler);
});
afterAll(async () => {
  await moto?.stop();
});

/** Waits for the execution to end (polling DescribeExecution; a generous give-up) and returns its task records. */
async function taskStates(executionArn: string): Promise<{ input: unknown; states: Record<string, string> }> {
  const deadline = Date.now() + 100_000; // a backstop under the 120 s test timeout; a run ends in seconds
  for (;;) {
    const run = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (run.status !== 'RUNNING' || Date.now() > deadline) {
      expect(run.status).toBe('SUCCEEDED');
      const tasks = (JSON.parse(run.output!) as { tasks: Record<string, { state: string }> }).tasks;
      const states = Object.fromEntries(Object.entries(tasks).map(([id, record]) => [id, record.state]));
      return { input: JSON.parse(run.input!), states };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('latestOnly in the cloud (trigger Lambda + moto Step Functions)', () => {
  it('skips the direct downstream task of a scheduled run that is not the latest', async () => {
    // Fired for 2026-11-02: the run was the latest until 2026-11-04, long before now.
    const started = await handler({ kind: 'scheduled', dagId: latest.id, scheduledTime: '2026-11-03T00:00:00Z' });
    expect(started.outcome).toBe('started');
    const { input, states } = await taskStates((started as { executionArn: string }).executionArn);
    expect((input as { ctx: unknown }).ctx).toMatchObject({
      runType: 'scheduled',
      latestWindow: { after: '2026-11-02T00:00:00.000Z', until: '2026-11-04T00:00:00.000Z' },
    });
    expect(states).toEqual({ latest_only: 'success', refresh: 'skipped', archive: 'success' });
  });

  it('lets a manual run through: it has no window', async () => {
    const started = await handler({ kind: 'manual', dagId: latest.id, logicalDate: '2026-11-02T06:00:00Z' });
    expect(started.outcome).toBe('started');
    const { input, states } = await taskStates((started as { executionArn: string }).executionArn);
    expect((input as { ctx: object }).ctx).not.toHaveProperty('latestWindow');
    expect(states).toEqual({ latest_only: 'success', refresh: 'success', archive: 'success' });
  });
});
