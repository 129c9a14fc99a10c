import {
  type AttributeValue,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { initialPayload } from '../../lib/compiler/worker-contract.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { finalTaskRecord } from '../../lib/runs/final-task-record.ts';
import { lastPayload } from '../../lib/runs/run-records.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * A task no worker runs has its task-instance record written by the state machine as the task ends
 * (lib/compiler/task-instance-write.ts), not only by the recorder at run end. Executed by moto: a run is held by a
 * sensor on a condition the test controls, so "before the run ends" is an order the product guarantees (the run
 * cannot end before the test lets it), never a race with the clock.
 */
let moto: RunningEmulator;
let tables: TriggerOnMoto['tables'];
let sfn: SFNClient;
let dynamo: TriggerOnMoto['dynamo'];
const AUDIT_TABLE = 'tiw-audit';

beforeAll(async () => {
  ({ moto, tables, sfn, dynamo } = await triggerOnMoto('tiw'));
  await dynamo().send(
    new CreateTableCommand({
      TableName: AUDIT_TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});
afterAll(async () => {
  await moto?.stop();
});

// manualContext's logical date and run id.
const LOGICAL_DATE = '2026-11-22T06:00:00+00:00';
const RUN_ID = `manual__${LOGICAL_DATE}`;
const BACKSTOP_MS = 120_000;

/** Deploys a DAG's compiled ASL on moto with the test's tables and starts its manual run. */
async function start(d: ReturnType<typeof dag>): Promise<string> {
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
      name: `tiw-${d.id}`,
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
  return executionArn!;
}

const status = async (executionArn: string) => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status!;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + BACKSTOP_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`waited ${BACKSTOP_MS / 1000}s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function ended(executionArn: string): Promise<{ status: string; tasks: Record<string, unknown> }> {
  const final = await waitFor('the run to end', async () => {
    const now = await status(executionArn);
    return now === 'RUNNING' ? undefined : now;
  });
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return { status: final, tasks: (lastPayload(events) as { tasks: Record<string, unknown> }).tasks };
}

const instanceKey = (dagId: string, taskId: string) => ({
  runKey: { S: `${dagId}#${RUN_ID}` },
  taskKey: { S: `${taskId}#-1` },
});
const readInstance = async (dagId: string, taskId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({ TableName: tables.taskInstances, Key: instanceKey(dagId, taskId), ConsistentRead: true }),
    )
  ).Item;

/** The run record of `dagId` for the test's logical date (what the trigger writes when it starts a run). */
const putRun = (dagId: string, state: string) =>
  dynamo().send(
    new PutItemCommand({
      TableName: tables.runs,
      Item: { dagId: { S: dagId }, runId: { S: RUN_ID }, logicalDate: { S: LOGICAL_DATE }, state: { S: state } },
    }),
  );

/**
 * A DAG whose native DynamoDB step (and an `empty` join after it) run, then a sensor holds the run until a run of
 * `gateDag` succeeds: the test opens it.
 */
function heldProducer(id: string, gateDag: string, table = AUDIT_TABLE) {
  const d = dag({ id, schedule: null });
  const audit = d.dynamoPut('record_audit', { table, item: { pk: { S: 'run#{{ run_id }}' } } });
  const joined = d.empty('audited', { upstream: audit, triggerRule: 'all_done' });
  d.externalTaskSensor('hold', {
    externalDagId: gateDag,
    pokeInterval: '1 second',
    timeout: '10 minutes',
    upstream: joined,
  });
  return d;
}

describe('task-instance records of tasks no worker runs, executed by moto', () => {
  it("writes a native step's and an empty task's records as they end, while their run is still going", async () => {
    // Prepare
    const executionArn = await start(heldProducer('tiw_producer', 'tiw_gate'));

    // Act: wait for the records, the run held by its sensor.
    const audit = await waitFor('record_audit’s record', async () => {
      const item = await readInstance('tiw_producer', 'record_audit');
      return item?.state?.S === 'success' ? item : undefined;
    });
    const audited = await waitFor('audited’s record', async () => {
      const item = await readInstance('tiw_producer', 'audited');
      return item?.state?.S === 'success' ? item : undefined;
    });

    // Assess: the run is still going (it cannot end before the gate's run exists), and the items are the
    // worker's and recorder's shape and key.
    expect(await status(executionArn)).toBe('RUNNING');
    expect(audit).toMatchObject({
      ...instanceKey('tiw_producer', 'record_audit'),
      state: { S: 'success' },
      taskId: { S: 'record_audit' },
      mapIndex: { N: '-1' },
      executionArn: { S: executionArn },
      endedAt: { S: expect.stringMatching(/^2\d{3}-\d\d-\d\dT/) },
    });
    expect(audit.final).toBeUndefined();
    expect(audited).toMatchObject({ state: { S: 'success' }, taskId: { S: 'audited' } });
    // The sensor itself has not ended: no record yet.
    expect(await readInstance('tiw_producer', 'hold')).toBeUndefined();

    // Let the run end: the sensor's own record is written as it ends, too.
    await putRun('tiw_gate', 'success');
    const run = await ended(executionArn);
    expect(run.status).toBe('SUCCEEDED');
    expect((await readInstance('tiw_producer', 'hold'))?.state?.S).toBe('success');
  });

  it('writes a failed native step as failed, and the task after it as it ends, while the run goes on', async () => {
    // The step writes to a table that does not exist: it fails; `audited` (all_done) runs after it.
    const executionArn = await start(heldProducer('tiw_failing', 'tiw_gate_2', 'tiw-no-such-table'));
    const failed = await waitFor('record_audit’s failed record', async () => {
      const item = await readInstance('tiw_failing', 'record_audit');
      return item?.state?.S === 'failed' ? item : undefined;
    });
    await waitFor('audited’s record', async () =>
      (await readInstance('tiw_failing', 'audited'))?.state?.S === 'success' ? true : undefined,
    );
    expect(await status(executionArn)).toBe('RUNNING');
    expect(failed.taskId).toEqual({ S: 'record_audit' });
    await putRun('tiw_gate_2', 'success');
    // Its leaf (the sensor) succeeded: the run succeeds, as Airflow decides a run from its leaves.
    expect((await ended(executionArn)).status).toBe('SUCCEEDED');
  });

  it('lets an externalTaskSensor of another DAG see the native step while its run is still going', async () => {
    // Prepare: the producer's run is held; its run record says running (as the trigger writes it).
    const producer = await start(heldProducer('tiw_source', 'tiw_gate_3'));
    await putRun('tiw_source', 'running');
    const consumer = dag({ id: 'tiw_consumer', schedule: null });
    consumer.externalTaskSensor('wait_audit', {
      externalDagId: 'tiw_source',
      externalTaskId: 'record_audit',
      pokeInterval: '1 second',
      timeout: '10 minutes',
    });

    // Act
    const sensed = await ended(await start(consumer));

    // Assess: the consumer saw the task's success; the producer's run had not ended (the gate is still closed).
    expect(sensed.status).toBe('SUCCEEDED');
    expect(sensed.tasks.wait_audit).toEqual({ state: 'success', output: { runId: RUN_ID, state: 'success' } });
    expect(await status(producer)).toBe('RUNNING');
    await putRun('tiw_gate_3', 'success');
    expect((await ended(producer)).status).toBe('SUCCEEDED');
  });
});

/**
 * The write's own UpdateItem, as the compiled state makes it (placeholders filled, the paths it reads resolved),
 * sent to moto's DynamoDB: what its condition keeps and what the recorder's end-of-run write keeps of it.
 */
function compiledWrite(executionArn: string, state: string) {
  const d = dag({ id: 'tiw_expr', schedule: null });
  d.empty('done');
  const compiled = compileDag(d);
  const definition = JSON.parse(
    fillPlaceholders(compiled.asl!, {
      dagVersion: 'v1',
      controlQueueUrl: 'http://unused',
      taskQueueUrls: {},
      taskInstancesTable: tables.taskInstances,
    }),
  ) as { States: Record<string, { Resource?: string; Parameters?: Record<string, unknown> }> };
  const write = definition.States['done:recorded']!;
  expect(write.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
  // Resolve the JSONPaths the state reads: the run id, the task's record, the state's time, the execution.
  const paths: Record<string, string> = {
    "States.Format('tiw_expr#{}', $.ctx.runId)": `tiw_expr#${RUN_ID}`,
    '$.tasks.done.state': state,
    '$$.State.EnteredTime': '2026-11-22T06:00:05.000Z',
    '$$.Execution.Id': executionArn,
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        if (!key.endsWith('.$')) return [key, resolve(inner)];
        const resolved = paths[inner as string];
        expect(resolved, `a path the write reads: ${String(inner)}`).toBeDefined();
        return [key.slice(0, -2), resolved];
      }),
    );
  };
  return resolve(write.Parameters) as ConstructorParameters<typeof UpdateItemCommand>[0];
}

describe('the write against the recorder’s, on moto’s DynamoDB', () => {
  const arn = (n: number) => `arn:aws:states:us-east-1:123456789012:execution:tiw-expr:run-${n}`;
  const read = async () =>
    (
      await dynamo().send(
        new GetItemCommand({
          TableName: tables.taskInstances,
          Key: instanceKey('tiw_expr', 'done'),
          ConsistentRead: true,
        }),
      )
    ).Item as Record<string, AttributeValue>;

  it('never lands on a record the recorder made final for the same execution, and the recorder keeps its fields', async () => {
    // The live write, then the recorder's end-of-run write of the same execution.
    await dynamo().send(new UpdateItemCommand(compiledWrite(arn(1), 'success')));
    const ctx = { dagId: 'tiw_expr', runId: RUN_ID };
    await dynamo().send(
      new UpdateItemCommand(finalTaskRecord(tables.taskInstances, ctx, { key: 'done', state: 'success' }, arn(1))),
    );
    expect(await read()).toMatchObject({
      state: { S: 'success' },
      final: { BOOL: true },
      finalExecutionArn: { S: arn(1) },
      endedAt: { S: '2026-11-22T06:00:05.000Z' },
      executionArn: { S: arn(1) },
    });

    // A write of the same execution arriving after it (none can: shown to be refused anyway) is refused.
    await expect(dynamo().send(new UpdateItemCommand(compiledWrite(arn(1), 'failed')))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect((await read()).state).toEqual({ S: 'success' });

    // A cleared run's next execution writes over the record final for the one before, as a worker's try does.
    await dynamo().send(new UpdateItemCommand(compiledWrite(arn(2), 'failed')));
    expect(await read()).toMatchObject({ state: { S: 'failed' }, executionArn: { S: arn(2) } });
  });

  it('never lands on a record final for every execution (no finalExecutionArn)', async () => {
    await dynamo().send(
      new UpdateItemCommand(
        finalTaskRecord(tables.taskInstances, { dagId: 'tiw_expr', runId: RUN_ID }, { key: 'done', state: 'skipped' }),
      ),
    );
    await expect(dynamo().send(new UpdateItemCommand(compiledWrite(arn(3), 'success')))).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect((await read()).state).toEqual({ S: 'skipped' });
  });
});
