import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import type { ClearedRun } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { asset, dag } from '../../lib/sdk/index.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * The compiled ASL of an `empty` task with outlets, executed by moto: its outlets state puts its events in a run's
 * first execution and in a clear that runs it again, and is passed by in a clear that kept it
 * (`ctx.clear.outletsRecorded`), whose events the first execution recorded with an id of its own.
 */
let moto: RunningEmulator;
let sfn: SFNClient;
const BUS = 'kept-assets';
const d = dag({ id: 'kept_outlets' });
const marks = d.empty('marks', { outlets: [asset('s3://lake/marked')] });
d.empty('after').after(marks);
let stateMachineArn: string;

beforeAll(async () => {
  moto = await startEmulator('moto');
  const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  sfn = new SFNClient(config);
  await new EventBridgeClient(config).send(new CreateEventBusCommand({ Name: BUS }));
  // Empty tasks write their own task-instance records (lib/compiler/task-instance-write.ts).
  const tables = await createStackTables(dynamoFor(moto.endpoint), 'kept');
  const definition = fillPlaceholders(compileDag(d).asl!, {
    dagVersion: 'v1',
    controlQueueUrl: 'http://unused',
    taskQueueUrls: {},
    assetEventBusName: BUS,
    taskInstancesTable: tables.taskInstances,
  });
  ({ stateMachineArn } = (await sfn.send(
    new CreateStateMachineCommand({
      name: 'airstep-kept_outlets',
      definition,
      roleArn: 'arn:aws:iam::000000000000:role/sm',
    }),
  )) as { stateMachineArn: string });
});
afterAll(async () => {
  await moto?.stop();
});

/** Runs one execution to its end; answers the event ids its outlets states put on the bus. */
async function putEventIds(name: string, clear?: ClearedRun): Promise<string[]> {
  const ctx = { ...manualContext(d), ...(clear !== undefined ? { clear } : {}) };
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ ctx, tasks: {}, gates: {} }) }),
  );
  const deadline = Date.now() + 60_000;
  let status = 'RUNNING';
  while (status === 'RUNNING' && Date.now() < deadline) {
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status!;
    if (status === 'RUNNING') await new Promise((done) => setTimeout(done, 100));
  }
  expect(status).toBe('SUCCEEDED');
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events
    .filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === 'putEvents')
    .flatMap(
      (event) =>
        (
          JSON.parse(event.taskScheduledEventDetails!.parameters!) as {
            Entries: Array<{ Detail: { eventId: string } }>;
          }
        ).Entries,
    )
    .map((entry) => entry.Detail.eventId);
}

describe('kept empty task outlets on moto', () => {
  it('puts the events in a first execution and a clear that runs it again, and none in a clear that kept it', async () => {
    const first = await putEventIds('run');
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/:execution:airstep-kept_outlets:run\/marks\/0$/);
    const keptIt = await putEventIds('run-clear-1', {
      attempt: 1,
      kept: {},
      priorTries: {},
      outletsRecorded: { marks: true },
    });
    expect(keptIt).toEqual([]);
    const ranIt = await putEventIds('run-clear-2', { attempt: 2, kept: {}, priorTries: {} });
    expect(ranIt).toHaveLength(1);
    expect(ranIt[0]).toMatch(/:run-clear-2\/marks\/0$/);
  }, 180_000);
});
