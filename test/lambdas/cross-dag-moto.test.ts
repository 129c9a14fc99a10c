import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { initialPayload } from '../../lib/compiler/worker-contract.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import { lastPayload } from '../../lib/runs/run-records.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * Cross-DAG steps on moto. The trigger function is called as a `triggerDag` step calls it (moto runs no Lambda
 * code, so the step's lambda:invoke is not executed here: test/local covers the step end to end). The external
 * task sensor's state machine is executed by moto itself: its Query and GetItem read moto's runs and
 * task-instances tables, as on AWS.
 */
let moto: RunningEmulator;
let tables: TriggerOnMoto['tables'];
let sfn: SFNClient;
let handler: TriggerOnMoto['handler'];
let dynamo: TriggerOnMoto['dynamo'];
let deployDag: TriggerOnMoto['deployDag'];

beforeAll(async () => {
  ({ moto, tables, sfn, handler, dynamo, deployDag } = await triggerOnMoto('xdag'));
});
afterAll(async () => {
  await moto?.stop();
});

describe('trigger function: the event a triggerDag step sends', () => {
  it('starts the run under the run id the step gives, and answers a retried step with the same run', async () => {
    const record = await deployDag('child');
    const runId = 'triggered__parent.start_child__scheduled__2026-11-22T00:00:00+00:00';
    const event = { kind: 'manual', dagId: 'child', conf: { limit: 3 }, runId };
    const first = await handler(event);
    expect(first).toEqual({ outcome: 'started', runId, executionArn: expect.stringContaining(executionName(runId)) });
    // The step retried (its answer lost): a later time, the same run id.
    expect(await handler(event)).toMatchObject({ outcome: 'duplicate', runId, state: 'running' });
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn })))
      .executions;
    expect(executions?.map((execution) => execution.name)).toEqual([executionName(runId)]);
    const run = await dynamo().send(
      new GetItemCommand({ TableName: tables.runs, Key: { dagId: { S: 'child' }, runId: { S: runId } } }),
    );
    expect(run.Item?.runType?.S).toBe('manual');
    expect(run.Item?.state?.S).toBe('running');
  });

  it("refuses conf that fails the target's params and a malformed run id, creating no run", async () => {
    const record = await deployDag('strict_child');
    const refused = await handler({ kind: 'manual', dagId: 'strict_child', conf: { limit: 0 }, runId: 'x' });
    expect(refused).toMatchObject({ outcome: 'refused', code: 'INVALID_CONF' });
    expect(await handler({ kind: 'manual', dagId: 'strict_child', runId: '' })).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: ["runId must be 1-250 printable characters, got ''"],
    });
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn })))
      .executions;
    expect(executions).toEqual([]);
  });
});

/** Deploys a DAG's compiled ASL on moto with the test's tables, runs it, and answers its last task records. */
async function runOnMoto(d: ReturnType<typeof dag>): Promise<{ status: string; tasks: Record<string, unknown> }> {
  const compiled = compileDag(d);
  expect(compiled.problems).toEqual([]);
  const definition = fillPlaceholders(compiled.asl!, {
    dagVersion: 'v1',
    controlQueueUrl: 'http://unused',
    taskQueueUrls: {},
    runsTable: tables.runs,
    taskInstancesTable: tables.taskInstances,
  });
  const machine = await sfn.send(
    new CreateStateMachineCommand({
      name: `xdag-${d.id}`,
      definition,
      roleArn: 'arn:aws:iam::123456789012:role/state-machines',
    }),
  );
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machine.stateMachineArn!,
      input: JSON.stringify(initialPayload(manualContext(d))),
    }),
  );
  const deadline = Date.now() + 120_000;
  let status = 'RUNNING';
  while (status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status!;
  }
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { status, tasks: (lastPayload(events) as { tasks: Record<string, unknown> }).tasks };
}

const putRun = (dagId: string, runId: string, logicalDate: string, state: string) =>
  dynamo().send(
    new PutItemCommand({
      TableName: tables.runs,
      Item: { dagId: { S: dagId }, runId: { S: runId }, logicalDate: { S: logicalDate }, state: { S: state } },
    }),
  );

describe('externalTaskSensor executed by moto', () => {
  // manualContext's logical date.
  const logicalDate = '2026-11-22T06:00:00+00:00';

  it('succeeds on the run of the other DAG with the same logical date, and not on one of another date', async () => {
    await putRun('load_a', 'scheduled__2026-11-21T06:00:00+00:00', '2026-11-21T06:00:00+00:00', 'success');
    await putRun('load_a', `manual__${logicalDate}`, logicalDate, 'success');
    const d = dag({ id: 'report_a', schedule: null });
    d.externalTaskSensor('wait_load', { externalDagId: 'load_a', pokeInterval: '1 second', timeout: '5 seconds' });

    const { tasks } = await runOnMoto(d);

    expect(tasks.wait_load).toEqual({
      state: 'success',
      output: { runId: `manual__${logicalDate}`, state: 'success' },
    });
  });

  it("fails at once on a task of the other DAG's run in failedStates, naming it", async () => {
    await putRun('load_b', `manual__${logicalDate}`, logicalDate, 'failed');
    await dynamo().send(
      new PutItemCommand({
        TableName: tables.taskInstances,
        Item: {
          runKey: { S: `load_b#manual__${logicalDate}` },
          taskKey: { S: 'rows#-1' },
          state: { S: 'upstream_failed' },
        },
      }),
    );
    const d = dag({ id: 'report_b', schedule: null });
    d.externalTaskSensor('wait_rows', {
      externalDagId: 'load_b',
      externalTaskId: 'rows',
      failedStates: ['failed', 'upstream_failed'],
      pokeInterval: '1 second',
      timeout: '1 hour',
    });

    const { tasks } = await runOnMoto(d);

    expect(tasks.wait_rows).toEqual({
      state: 'failed',
      output: null,
      error: {
        Error: 'ExternalStateFailed',
        Cause: `task rows of load_b (manual__${logicalDate}) is upstream_failed`,
      },
    });
  });

  it('times out when no run of that date appears, after its pokes', async () => {
    const d = dag({ id: 'report_c', schedule: null });
    d.externalTaskSensor('wait_none', { externalDagId: 'load_none', pokeInterval: '1 second', timeout: '2 seconds' });

    const { tasks } = await runOnMoto(d);

    expect(tasks.wait_none).toMatchObject({ state: 'failed', error: { Error: 'SensorTimeout' } });
  });
});
