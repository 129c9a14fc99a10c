import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { ASSET_EVENT_DETAIL_TYPE, ASSET_EVENT_SOURCE } from '../../lib/compiler/outlet-events-state.ts';
import { initialPayload, type RunPayload } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { manualRunContext } from '../../lib/runtime/run-context.ts';
import { asset, dag } from '../../lib/sdk/index.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { deployTriggerLambda } from '../helpers/trigger-lambda.ts';

/**
 * The whole cloud path of an asset event on MiniStack, each piece real: a compiled producer's outlet state
 * (`events:putEvents`) in a state machine, the stack's asset bus and its rule (InputPath `$.detail`) invoking the
 * trigger Lambda (`lambdas/trigger`, bundled), which records the event and starts the consumer's
 * `asset_triggered` run with the event in its context.
 */
const region = 'us-east-1';
const BUS = 'airstep-assets';
let ministack: RunningEmulator;
let sfn: SFNClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  tables = await createStackTables(dynamoFor(ministack.endpoint), 'assets-ms');
  const failedEvents = (await new SQSClient(clientConfig).send(new CreateQueueCommand({ QueueName: 'ms-failed' })))
    .QueueUrl!;
  const trigger = await deployTriggerLambda(ministack, { tables, failedEventsQueueUrl: failedEvents });
  const events = new EventBridgeClient(clientConfig);
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  await events.send(
    new PutRuleCommand({
      Name: 'airstep-assets-to-trigger',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: [ASSET_EVENT_SOURCE], 'detail-type': [ASSET_EVENT_DETAIL_TYPE] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'airstep-assets-to-trigger',
      EventBusName: BUS,
      Targets: [{ Id: 'trigger', Arn: trigger.functionArn, InputPath: '$.detail' }],
    }),
  );
}, 300_000);
afterAll(async () => {
  await ministack?.stop();
});

describe('asset events on MiniStack', () => {
  it("a producer's outlet state reaches the trigger through the bus and starts the consumer with the event", async () => {
    const orders = asset('s3://lake/orders');
    const consumer = await deployDagRecord(
      { sfn, dynamo: dynamoFor(ministack.endpoint), dagsTable: tables.dags },
      'ms_consumer',
      {
        schedule: { expression: null, timezone: 'UTC', catchup: false },
        assets: { kind: 'asset', uri: orders.uri },
        assetsSince: '2026-01-01T00:00:00.000Z',
      },
    );
    const producer = dag({ id: 'ms_producer' });
    producer.empty('mark', { outlets: [orders] });
    const compiled = compileDag(producer);
    expect(compiled.problems).toEqual([]);
    const definition = fillPlaceholders(compiled.asl!, {
      dagVersion: 'v1',
      controlQueueUrl: 'unused',
      taskQueueUrls: { default: 'unused' },
      assetEventBusName: BUS,
      taskInstancesTable: tables.taskInstances,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-ms_producer',
        roleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
        definition,
      }),
    );
    const ctx = manualRunContext({ dagId: 'ms_producer', timezone: 'UTC', at: new Date(), params: {}, conf: {} });
    const execution = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'producer-run',
        input: JSON.stringify(initialPayload(ctx)),
      }),
    );
    // Waits for the consumer's run (generous backstop; returns as soon as it exists).
    let runs: Array<{ executionArn?: string; name?: string }> = [];
    const deadline = Date.now() + 120_000;
    while (runs.length === 0 && Date.now() < deadline) {
      runs =
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: consumer.stateMachineArn }))).executions ?? [];
      if (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const produced = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn! }));
    expect(produced.status).toBe('SUCCEEDED');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.name).toMatch(/^asset_triggered__/);
    const input = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: runs[0]!.executionArn! }))).input!,
    ) as RunPayload;
    expect(input.ctx.runType).toBe('asset_triggered');
    expect(input.ctx.triggeringAssetEvents?.[orders.uri]).toEqual([
      {
        uri: orders.uri,
        timestamp: expect.any(String),
        sourceDagId: 'ms_producer',
        sourceTaskId: 'mark',
        sourceRunId: ctx.runId,
        extra: {},
      },
    ]);
  }, 300_000);
});
