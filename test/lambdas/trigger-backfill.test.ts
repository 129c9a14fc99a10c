import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * The trigger Lambda's handler answering `airstep backfill --stack`'s `backfill` events, against moto's Step
 * Functions, DynamoDB and SQS, inside the trigger role's IAM check: one interval of the deployed schedule per
 * event, run id `backfill__<logical date>`, admission as any other run.
 */
let moto: RunningEmulator;
let tables: TriggerOnMoto['tables'];
let sfn: SFNClient;
let sqs: SQSClient;
let failedEventsUrl: string;
let handler: TriggerOnMoto['handler'];
let dynamo: TriggerOnMoto['dynamo'];
let deployDag: TriggerOnMoto['deployDag'];
const executions = async (record: DagRecord) =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? [];
const runRecord = async (dagId: string, runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: dagId }, runId: { S: runId } },
        ConsistentRead: true,
      }),
    )
  ).Item;

beforeAll(async () => {
  ({ moto, tables, sfn, sqs, failedEventsUrl, handler, dynamo, deployDag } = await triggerOnMoto('tbackfill'));
});
afterAll(async () => {
  await moto?.stop();
});

describe('trigger Lambda: backfill events', () => {
  it("starts the interval's run as backfill__<logical date> with the interval's context; the same event again starts nothing", async () => {
    const record = await deployDag('hourly_sales', {
      schedule: { expression: '0 * * * *', timezone: 'Europe/Berlin', startDate: '2026-11-20', catchup: false },
    });
    // 01:00 in Berlin is 00:00 UTC: the run id is in UTC, the context dates in the DAG's zone.
    const event = {
      kind: 'backfill',
      dagId: 'hourly_sales',
      logicalDate: '2026-11-21T01:00:00+01:00',
      conf: { limit: 4 },
    };
    const runId = 'backfill__2026-11-21T00:00:00+00:00';
    const first = await handler(event);
    expect(first).toEqual({ outcome: 'started', runId, executionArn: expect.any(String) });
    const input = (
      await sfn.send(new DescribeExecutionCommand({ executionArn: (first as { executionArn: string }).executionArn }))
    ).input!;
    const { ctx } = JSON.parse(input) as { ctx: Record<string, unknown> };
    expect([ctx.runId, ctx.runType, ctx.ds, ctx.dataIntervalStart, ctx.dataIntervalEnd, ctx.params]).toEqual([
      runId,
      'backfill',
      '2026-11-21',
      '2026-11-21T01:00:00+01:00',
      '2026-11-21T02:00:00+01:00',
      { limit: 4 },
    ]);
    expect(await handler(event)).toMatchObject({ outcome: 'duplicate', runId, state: 'running' });
    expect((await executions(record)).map((execution) => execution.name)).toEqual([
      'backfill__2026-11-21T00_00_00_00_00',
    ]);
    const run = await runRecord('hourly_sales', runId);
    expect([run?.state?.S, run?.runType?.S]).toEqual(['running', 'backfill']);
  });

  it('queues backfill runs over maxActiveRuns, in the order they are asked for', async () => {
    const record = await deployDag('one_by_one', { maxActiveRuns: 1 });
    const days = ['2026-11-05', '2026-11-04', '2026-11-03'];
    const results = [];
    for (const day of days) results.push(await handler({ kind: 'backfill', dagId: 'one_by_one', logicalDate: day }));
    expect(results.map((result) => result.outcome)).toEqual(['started', 'queued', 'queued']);
    expect((await executions(record)).map((execution) => execution.name)).toEqual([
      'backfill__2026-11-05T00_00_00_00_00',
    ]);
    // The recorder starts queued runs oldest-queued first: the queue's sort key keeps the order they were asked for.
    const queued = ((await dynamo().send(new ScanCommand({ TableName: tables.queuedRuns }))).Items ?? [])
      .filter((item) => item.dagId?.S === 'one_by_one')
      .sort((a, b) => (a.queuedAt!.S! < b.queuedAt!.S! ? -1 : 1))
      .map((item) => item.runId?.S);
    expect(queued).toEqual(['backfill__2026-11-04T00:00:00+00:00', 'backfill__2026-11-03T00:00:00+00:00']);
  });

  it('refuses a logical date that starts no interval, a DAG without a schedule and a bad conf; answered, never queued as failed events', async () => {
    await deployDag('daily_only');
    await deployDag('by_hand', { schedule: { expression: null, timezone: 'UTC', catchup: false } });
    const [offGrid, manualOnly, badConf, missing] = await Promise.all([
      handler({ kind: 'backfill', dagId: 'daily_only', logicalDate: '2026-11-05T06:00:00Z' }),
      handler({ kind: 'backfill', dagId: 'by_hand', logicalDate: '2026-11-05' }),
      handler({ kind: 'backfill', dagId: 'daily_only', logicalDate: '2026-11-05', conf: { limit: 0 } }),
      handler({ kind: 'backfill', dagId: 'daily_only' }),
    ]);
    expect(offGrid).toEqual({
      outcome: 'refused',
      code: 'NO_SUCH_INTERVAL',
      problems: ['dag daily_only › schedule: no interval of "@daily" (UTC) starts at 2026-11-05T06:00:00Z'],
    });
    expect(manualOnly).toEqual({
      outcome: 'refused',
      code: 'NO_SUCH_INTERVAL',
      problems: ['dag by_hand › schedule: no interval of null (UTC) starts at 2026-11-05'],
    });
    expect(badConf).toMatchObject({ outcome: 'refused', code: 'INVALID_CONF' });
    expect(missing).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: ['logicalDate is required for a backfill run'],
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: failedEventsUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect([Attributes?.ApproximateNumberOfMessages, Attributes?.ApproximateNumberOfMessagesNotVisible]).toEqual([
      '0',
      '0',
    ]);
    expect(await runRecord('daily_only', 'backfill__2026-11-05T00:00:00+00:00')).toBeUndefined();
  });
});
