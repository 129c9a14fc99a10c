import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { ASSET_EVENT_DETAIL_TYPE, ASSET_EVENT_SOURCE } from '../../lib/compiler/outlet-events-state.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import producer, { customers, orders } from '../fixtures/assets/outlet_extra_cloud.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { manualContext } from '../helpers/run-context.ts';
import { storeDagVersion } from '../helpers/stored-dag-version.ts';
import { workerOnEmulator } from '../helpers/worker-on-emulator.ts';

/**
 * Outlet extras in the cloud, each piece real on MiniStack: the worker Lambda's handler runs the bundled task
 * (`ctx.outletEvents(asset).extra`), answers `outletExtra` beside its result, the state machine keeps it in the
 * task's record and its `<task>:outlets` state puts each extra in its entry's Detail onto the asset bus; a rule
 * (as the stack's, source `airstep.assets`) copies what arrives to a queue, read here.
 */
let emulator: RunningEmulator;
const BUS = 'extra-assets';

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
}, 300_000);
afterAll(async () => {
  await emulator?.stop();
});

describe('outlet extra on MiniStack', () => {
  it("carries what the task's code attached into each asset event's Detail, {} for a task that attached none", async () => {
    const stack = await workerOnEmulator(emulator, { bucket: 'airstep-outlet-extra', prefix: 'extra' });
    const { sqs, sfn, handler, taskQueue, controlQueue } = stack;
    const clientConfig = { endpoint: emulator.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
    const events = new EventBridgeClient(clientConfig);
    await events.send(new CreateEventBusCommand({ Name: BUS }));
    const seen = (await sqs.send(new CreateQueueCommand({ QueueName: 'extra-seen' }))).QueueUrl!;
    const seenArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: seen, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    await events.send(
      new PutRuleCommand({
        Name: 'extra-to-queue',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ source: [ASSET_EVENT_SOURCE], 'detail-type': [ASSET_EVENT_DETAIL_TYPE] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'extra-to-queue',
        EventBusName: BUS,
        Targets: [{ Id: 'queue', Arn: seenArn, InputPath: '$.detail' }],
      }),
    );

    await storeDagVersion(stack.s3, stack.bucket, 'test/fixtures/assets/outlet_extra_cloud.ts', producer, 'v1');
    const definition = fillPlaceholders(compileDag(producer).asl!, {
      dagVersion: 'v1',
      controlQueueUrl: controlQueue,
      taskQueueUrls: { default: taskQueue },
      assetEventBusName: BUS,
    });
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-outlet_extra_cloud',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/sm',
      }),
    );
    const ctx = manualContext(producer);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine.stateMachineArn!,
        name: 'run',
        input: JSON.stringify({ ctx, tasks: {}, gates: {} }),
      }),
    );
    const { described, failures } = await driveWorker({
      sqs,
      sfn,
      handler,
      queues: [taskQueue, controlQueue],
      executionArn: executionArn!,
      deadlineMs: 120_000,
    });
    expect(failures).toEqual([]);
    expect(described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(described!.output!) as { tasks: Record<string, Record<string, unknown>> };
    // Outlets in URI order: customers, orders.
    expect(tasks.load!.outletExtra).toEqual([{ partition: 'p1' }, { rows: 42, ds: ctx.ds }]);
    expect(tasks.plain!.outletExtra).toEqual([{}]);

    // The three events, as the bus delivered them (waits for them; generous backstop).
    const received: Message[] = [];
    const deadline = Date.now() + 60_000;
    while (received.length < 3 && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: seen, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      received.push(...Messages);
    }
    const details = received
      .map((message) => JSON.parse(message.Body!) as { uri: string; sourceTaskId: string; extra: unknown })
      .map((detail) => [detail.sourceTaskId, detail.uri, detail.extra])
      .sort();
    expect(details).toEqual([
      ['load', customers.uri, { partition: 'p1' }],
      ['load', orders.uri, { rows: 42, ds: ctx.ds }],
      ['plain', 's3://lake/cloud-plain', {}],
    ]);
  }, 400_000);
});
