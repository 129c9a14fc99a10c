import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDagRecord } from '../../lib/runtime/dag-record.ts';
import {
  alertText,
  type ExecutionStatusChange,
  recordExecution,
  taskRecords,
} from '../../lib/runtime/record-execution.ts';
import { type RunningEmulator, startEmulator } from '../../localstack/launcher.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';

const ctx = {
  dagId: 'nightly',
  runId: 'scheduled__2026-11-23T00:00:00+00:00',
  runType: 'scheduled',
  logicalDate: '2026-11-23T00:00:00+00:00',
  ds: '2026-11-23',
  dsNodash: '20261123',
  ts: '2026-11-23T00:00:00+00:00',
  dataIntervalStart: '2026-11-23T00:00:00+00:00',
  dataIntervalEnd: '2026-11-24T00:00:00+00:00',
  params: {},
  conf: {},
} as const;

describe('recorder: pure parts', () => {
  it('reads task records from a run payload and writes an alert that names the failed tasks and the execution', () => {
    const tasks = taskRecords({
      ctx,
      tasks: {
        load: { state: 'upstream_failed', output: null },
        extract: { state: 'failed', output: null, error: { Error: 'Boom', Cause: 'x' } },
        check: { state: 'success', try: 2 },
      },
    });
    expect(tasks).toEqual([
      { key: 'check', state: 'success', try: 2 },
      { key: 'extract', state: 'failed', error: 'Boom' },
      { key: 'load', state: 'upstream_failed' },
    ]);
    const alert = alertText({
      ctx,
      status: 'FAILED',
      executionArn: 'arn:aws:states:eu-west-1:1:execution:airstep-nightly:run',
      region: 'eu-west-1',
      tasks,
      error: 'DagRunFailed',
    });
    expect(alert.subject).toBe('Airstep: nightly run failed');
    expect(alert.message.split('\n')).toEqual([
      'DAG nightly, run scheduled__2026-11-23T00:00:00+00:00: FAILED (DagRunFailed)',
      'logical date 2026-11-23T00:00:00+00:00',
      'failed tasks: extract (Boom)',
      'not run (upstream failed): load',
      'execution: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:1:execution:airstep-nightly:run',
    ]);
  });
});

let moto: RunningEmulator;
beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
});
afterAll(async () => {
  await moto?.stop();
});

describe('recorder on moto', () => {
  it('records a failed run and its tasks, alerts on SNS, and starts the oldest queued run', async () => {
    const region = 'us-east-1';
    const sfn = new SFNClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const sqs = new SQSClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const sns = new SNSClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const dynamo = dynamoFor(moto.endpoint);
    const tables = await createStackTables(dynamo, 'recorder');
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'airstep-alerts' }))).TopicArn!;
    const inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-inbox' }))).QueueUrl!;
    const inboxArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: inboxArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );

    const role = 'arn:aws:iam::000000000000:role/sm';
    const failing = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-nightly',
        roleArn: role,
        definition: JSON.stringify({
          StartAt: 'extract',
          States: {
            extract: {
              Type: 'Pass',
              Result: { state: 'failed', output: null, error: { Error: 'Boom', Cause: 'bad row' } },
              ResultPath: '$.tasks.extract',
              Next: 'load',
            },
            load: {
              Type: 'Pass',
              Result: { state: 'upstream_failed', output: null },
              ResultPath: '$.tasks.load',
              Next: 'run:failed',
            },
            'run:failed': { Type: 'Fail', Error: 'DagRunFailed', Cause: 'a leaf task failed' },
          },
        }),
      }),
    );
    const next = await sfn.send(
      new CreateStateMachineCommand({
        name: 'airstep-nightly-live',
        roleArn: role,
        definition: JSON.stringify({ StartAt: 'ok', States: { ok: { Type: 'Succeed' } } }),
      }),
    );
    await writeDagRecord(dynamo, tables.dags, {
      dagId: 'nightly',
      dagVersion: 'v2',
      file: 'dags/nightly.ts',
      aliasArn: next.stateMachineArn!,
      stateMachineArn: next.stateMachineArn!,
      schedule: { expression: '@daily', timezone: 'UTC', catchup: false },
      params: {},
      maxActiveRuns: 1,
      disabled: false,
      updatedAt: '2026-11-24T00:00:00Z',
    });
    const queuedInput = JSON.stringify({
      ctx: { ...ctx, runId: 'manual__2026-11-24T00:01:00+00:00' },
      tasks: {},
      gates: {},
    });
    await dynamo.send(
      new PutItemCommand({
        TableName: tables.queuedRuns,
        Item: {
          dagId: { S: 'nightly' },
          queuedAt: { S: '2026-11-24T00:01:00.000Z#manual__2026-11-24T00:01:00+00:00' },
          runId: { S: 'manual__2026-11-24T00:01:00+00:00' },
          input: { S: queuedInput },
        },
      }),
    );

    const input = JSON.stringify({ ctx, tasks: {}, gates: {} });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: failing.stateMachineArn!, name: 'run', input }),
    );
    let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    for (let i = 0; i < 100 && described.status === 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(described.status).toBe('FAILED');
    const change: ExecutionStatusChange = {
      executionArn: executionArn!,
      stateMachineArn: failing.stateMachineArn!,
      name: 'run',
      status: 'FAILED',
      startDate: described.startDate!.getTime(),
      stopDate: described.stopDate!.getTime(),
      input,
      output: null,
      error: described.error ?? null,
    };

    const recorded = await recordExecution(change, {
      dynamo,
      tables: {
        dags: tables.dags,
        runs: tables.runs,
        taskInstances: tables.taskInstances,
        queuedRuns: tables.queuedRuns,
      },
      alertsTopicArn: topicArn,
      region,
    });
    expect(recorded).toMatchObject({
      dagId: 'nightly',
      runId: ctx.runId,
      state: 'failed',
      alerted: true,
      startedQueued: 'manual__2026-11-24T00:01:00+00:00',
    });
    const run = await dynamo.send(
      new GetItemCommand({ TableName: tables.runs, Key: { dagId: { S: 'nightly' }, runId: { S: ctx.runId } } }),
    );
    expect(run.Item?.state?.S).toBe('failed');
    const extract = await dynamo.send(
      new GetItemCommand({
        TableName: tables.taskInstances,
        Key: { runKey: { S: `nightly#${ctx.runId}` }, taskKey: { S: 'extract#-1' } },
      }),
    );
    expect([extract.Item?.state?.S, extract.Item?.error?.S]).toEqual(['failed', 'Boom']);
    const alerts = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, WaitTimeSeconds: 2 }));
    expect(alerts.Messages?.[0]?.Body).toContain('failed tasks: extract (Boom)');
    const started = await sfn.send(new ListExecutionsCommand({ stateMachineArn: next.stateMachineArn! }));
    expect(started.executions?.map((execution) => execution.name)).toEqual(['manual__2026-11-24T00_01_00_00_00']);
  }, 60_000);
});
