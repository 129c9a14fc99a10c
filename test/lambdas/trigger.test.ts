import { GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { releaseLease, takeLease } from '../../lib/dynamo/item-lease.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { admissionLease } from '../../lib/runs/admission-lease.ts';
import { executionName } from '../../lib/runs/execution-name.ts';
import { type FailedEventMessage, reportFailedEvent } from '../../lib/runs/failed-events.ts';
import { answerTrigger } from '../../lib/runs/trigger-invocation.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * The trigger Lambda's handler against moto's Step Functions, DynamoDB and SQS (real StartExecution with its name
 * idempotency, real conditional writes, a real failed-events queue), invoked with the events EventBridge Scheduler
 * and `airstep trigger` send.
 */
let moto: RunningEmulator;
let tables: TriggerOnMoto['tables'];
let sfn: SFNClient;
let sqs: SQSClient;
let failedEventsUrl: string;
let handler: TriggerOnMoto['handler'];
let dynamo: TriggerOnMoto['dynamo'];
let deployDag: TriggerOnMoto['deployDag'];

interface ReceivedFailedEvent {
  readonly body: FailedEventMessage;
  readonly attributes: Record<string, string | undefined>;
}
/** Every message taken off the failed-events queue so far (tests tell theirs apart by the event). */
const received: ReceivedFailedEvent[] = [];
const eventField = (message: ReceivedFailedEvent, field: string) =>
  (message.body.event as Record<string, unknown> | null)?.[field];
/** Takes messages off the failed-events queue until `count` match (generous deadline; returns as soon as they do). */
async function waitForFailedEvents(
  match: (message: ReceivedFailedEvent) => boolean,
  count: number,
): Promise<ReceivedFailedEvent[]> {
  const deadline = Date.now() + 90_000;
  while (received.filter(match).length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: failedEventsUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) {
      received.push({
        body: JSON.parse(message.Body!) as FailedEventMessage,
        attributes: Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
        ),
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: failedEventsUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return received.filter(match);
}
const ofDag = (dagId: string) => (message: ReceivedFailedEvent) => eventField(message, 'dagId') === dagId;
/**
 * What the failed-events queue holds for a DAG once a fire known to land there (a scheduled time that is no
 * time) has landed: a message the calls before it wrote was sent before it, so it has been taken too.
 */
async function failedEventsBeforeMarker(dagId: string): Promise<ReceivedFailedEvent[]> {
  const isMarker = (message: ReceivedFailedEvent) => eventField(message, 'scheduledTime') === 'marker';
  const before = received.filter((message) => ofDag(dagId)(message) && isMarker(message)).length;
  expect(await handler({ kind: 'scheduled', dagId, scheduledTime: 'marker' })).toMatchObject({ outcome: 'refused' });
  await waitForFailedEvents((message) => ofDag(dagId)(message) && isMarker(message), before + 1);
  return received.filter((message) => ofDag(dagId)(message) && !isMarker(message));
}
const runsOf = async (dagId: string) =>
  (
    await dynamo().send(
      new QueryCommand({
        TableName: tables.runs,
        KeyConditionExpression: 'dagId = :d',
        ExpressionAttributeValues: { ':d': { S: dagId } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

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
  ({ moto, tables, sfn, sqs, failedEventsUrl, handler, dynamo, deployDag } = await triggerOnMoto('trigger'));
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
      code: 'UNKNOWN_DAG',
      problems: ["no DAG 'nope' is deployed"],
    });
    await deployDag('gone', { disabled: true });
    expect(await handler({ kind: 'manual', dagId: 'gone' })).toEqual({
      outcome: 'refused',
      code: 'DAG_DISABLED',
      problems: ['DAG gone is disabled (its file was deleted)'],
    });
    expect(await handler({ kind: 'scheduled', dagId: 'strict_params', scheduledTime: '2026-10-01T00:00:00Z' })).toEqual(
      { outcome: 'skipped', reason: 'no run of strict_params fires at 2026-10-01T00:00:00Z' },
    );
  });

  it('starts a run with conf keys the DAG has no param for (as Airflow), and says which they are', async () => {
    const record = await deployDag('conf_extras');
    const result = await handler({
      kind: 'manual',
      dagId: 'conf_extras',
      conf: { limit: 3, limt: 5, note: 'x' },
      logicalDate: '2026-11-21T00:00:00Z',
    });
    expect(result).toMatchObject({ outcome: 'started', confNotParams: ['limt', 'note'] });
    const [execution] = await executions(record);
    const input = JSON.parse(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: execution!.executionArn! }))).input!,
    ) as { ctx: { params: Record<string, unknown>; conf: Record<string, unknown> } };
    // As Airflow merges a run's conf into its params, the extra keys are in both, unchecked.
    expect(input.ctx.params).toEqual({ limit: 3, limt: 5, note: 'x' });
    expect(input.ctx.conf).toEqual({ limit: 3, limt: 5, note: 'x' });
    // Conf that names only params says nothing more.
    const plain = await handler({ kind: 'manual', dagId: 'conf_extras', conf: { limit: 4 } });
    expect(plain).toMatchObject({ outcome: 'started' });
    expect(plain).not.toHaveProperty('confNotParams');
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

describe('trigger Lambda: a fire it refuses or cannot read is never lost', () => {
  it('writes a scheduled fire whose time the scheduler left unfilled to the failed-events queue with the reason, and starts no run', async () => {
    const record = await deployDag('unfilled_fire');
    const fire = { kind: 'scheduled', dagId: 'unfilled_fire', scheduledTime: '<aws.scheduler.scheduled-time>' };
    const problem =
      'scheduledTime is the unfilled placeholder <aws.scheduler.scheduled-time>: the scheduler did not fill in its context attribute';
    const before = new Date().toISOString();
    const result = await handler(fire);
    const after = new Date().toISOString();
    expect(result).toEqual({ outcome: 'refused', code: 'UNREADABLE_EVENT', problems: [problem] });
    const messages = await failedEventsBeforeMarker('unfilled_fire');
    expect(messages.map(({ body, attributes }) => ({ body, attributes }))).toEqual([
      {
        body: {
          source: 'trigger',
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          reason: { code: 'UNREADABLE_EVENT', message: problem, problems: [problem] },
          event: fire,
        },
        attributes: { ErrorCode: 'UNREADABLE_EVENT', ErrorMessage: problem },
      },
    ]);
    // Written while the handler ran (ISO strings of one format order as the times do).
    expect(before <= messages[0]!.body.at && messages[0]!.body.at <= after).toBe(true);
    expect(await executions(record)).toEqual([]);
    expect(await runsOf('unfilled_fire')).toEqual([]);
  });

  it('writes each fire it refuses to the queue with its code: unknown DAG, disabled DAG, a required param no schedule gives', async () => {
    const unknown = { kind: 'scheduled', dagId: 'never_deployed', scheduledTime: '2026-11-24T00:00:00Z' };
    expect(await handler(unknown)).toEqual({
      outcome: 'refused',
      code: 'UNKNOWN_DAG',
      problems: ["no DAG 'never_deployed' is deployed"],
    });
    const [unknownMessage] = await waitForFailedEvents(ofDag('never_deployed'), 1);
    expect(unknownMessage!.body).toMatchObject({
      source: 'trigger',
      reason: { code: 'UNKNOWN_DAG', message: "no DAG 'never_deployed' is deployed" },
      event: unknown,
    });
    expect(unknownMessage!.attributes.ErrorCode).toBe('UNKNOWN_DAG');

    const retired = await deployDag('retired_fire', { disabled: true });
    const retiredFire = { kind: 'scheduled', dagId: 'retired_fire', scheduledTime: '2026-11-24T00:00:00Z' };
    expect(await handler(retiredFire)).toMatchObject({ outcome: 'refused', code: 'DAG_DISABLED' });
    const [retiredMessage] = await waitForFailedEvents(ofDag('retired_fire'), 1);
    expect(retiredMessage!.body).toMatchObject({
      reason: { code: 'DAG_DISABLED', message: 'DAG retired_fire is disabled (its file was deleted)' },
      event: retiredFire,
    });

    // A schedule carries no conf, so a required param without a default refuses every fire of the DAG.
    const needy = await deployDag('needs_conf', { params: { target: { type: 'string', required: true } } });
    const needyFire = { kind: 'scheduled', dagId: 'needs_conf', scheduledTime: '2026-11-24T00:00:00Z' };
    expect(await handler(needyFire)).toMatchObject({ outcome: 'refused', code: 'INVALID_CONF' });
    const [needyMessage] = await waitForFailedEvents(ofDag('needs_conf'), 1);
    expect(needyMessage!.body.reason).toEqual({
      code: 'INVALID_CONF',
      message: expect.stringMatching(/^dag needs_conf › params\.target: /),
      problems: [expect.stringMatching(/^dag needs_conf › params\.target: /)],
    });
    expect(needyMessage!.body.event).toEqual(needyFire);
    for (const record of [retired, needy]) expect(await executions(record)).toEqual([]);
    expect(await runsOf('needs_conf')).toEqual([]);
  });

  it('writes an event that is no trigger event to the queue with every problem at once', async () => {
    const odd = { kind: 'dataset', dagId: 'odd_event' };
    expect(await handler(odd)).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: ["kind must be 'scheduled', 'manual', 'backfill', 'clear', 'asset' or 'unpaused', got 'dataset'"],
    });
    const nameless = { kind: 'scheduled', scheduledTime: 'soon', marker: 'nameless' };
    expect(await handler(nameless)).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: ['dagId must be a non-empty string, got nothing', "scheduledTime 'soon' is not an ISO date"],
    });
    expect((await waitForFailedEvents(ofDag('odd_event'), 1)).map(({ body }) => body.event)).toEqual([odd]);
    const [namelessMessage] = await waitForFailedEvents((message) => eventField(message, 'marker') === 'nameless', 1);
    expect(namelessMessage?.body).toMatchObject({ reason: { code: 'UNREADABLE_EVENT' }, event: nameless });
  });

  it("answers a manual trigger's refusal to its caller and writes nothing to the queue", async () => {
    await deployDag('manual_refusals');
    const refusals = await Promise.all([
      handler({ kind: 'manual', dagId: 'manual_refusals', conf: { limit: 0 } }),
      handler({ kind: 'manual', dagId: 'manual_refusals', logicalDate: 'yesterday' }),
      handler({ kind: 'manual', dagId: 'manual_refusals', conf: [1] }),
      // Every state would carry 300 KB of params: refused here rather than failing the run at its first state.
      handler({ kind: 'manual', dagId: 'manual_refusals', conf: { rows: 'r'.repeat(300_000) } }),
    ]);
    expect(refusals).toEqual([
      { outcome: 'refused', code: 'INVALID_CONF', problems: [expect.stringMatching(/params\.limit/)] },
      { outcome: 'refused', code: 'UNREADABLE_EVENT', problems: ["logicalDate 'yesterday' is not an ISO date"] },
      { outcome: 'refused', code: 'UNREADABLE_EVENT', problems: ['conf must be a JSON object, got a list'] },
      {
        outcome: 'refused',
        code: 'INVALID_CONF',
        problems: [
          expect.stringMatching(
            /^dag manual_refusals › params: the run's params .* are 3000\d\d bytes of JSON \(largest: rows, 300002 bytes\)/,
          ),
        ],
      },
    ]);
    expect(await handler({ kind: 'manual', dagId: 'typo_dag' })).toMatchObject({ code: 'UNKNOWN_DAG' });
    expect(await failedEventsBeforeMarker('manual_refusals')).toEqual([]);
    expect(await failedEventsBeforeMarker('typo_dag')).toEqual([]);
  });

  it('starts the run of a valid fire and skips a fire no run is due at, writing nothing to the queue', async () => {
    const record = await deployDag('healthy_fire');
    const started = await handler({ kind: 'scheduled', dagId: 'healthy_fire', scheduledTime: '2026-11-24T00:00:00Z' });
    expect(started).toMatchObject({ outcome: 'started', runId: 'scheduled__2026-11-23T00:00:00+00:00' });
    expect(await handler({ kind: 'scheduled', dagId: 'healthy_fire', scheduledTime: '2026-10-01T00:00:00Z' })).toEqual({
      outcome: 'skipped',
      reason: 'no run of healthy_fire fires at 2026-10-01T00:00:00Z',
    });
    expect(await failedEventsBeforeMarker('healthy_fire')).toEqual([]);
    expect((await executions(record)).map((execution) => execution.name)).toEqual([
      executionName('scheduled__2026-11-23T00:00:00+00:00'),
    ]);
    expect((await runsOf('healthy_fire')).map((run) => run.runId?.S)).toEqual(['scheduled__2026-11-23T00:00:00+00:00']);
  });

  it('fails the invocation when the failed-events queue does not take the fire, so Lambda retries it', async () => {
    const record = await deployDag('queue_gone');
    const fire = { kind: 'scheduled', dagId: 'queue_gone', scheduledTime: '<aws.scheduler.scheduled-time>' };
    const answer = answerTrigger(fire, new Date(), {
      tables: { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
      failedEventsQueueUrl: failedEventsUrl.replace(/[^/]+$/, 'no-such-queue'),
      clients: { dynamo: dynamo(), sfn, sqs },
    });
    await expect(answer).rejects.toMatchObject({
      name: 'FailedEventUnreportedError',
      code: 'FAILED_EVENT_UNREPORTED',
      reasonCode: 'UNREADABLE_EVENT',
      message: expect.stringMatching(/^could not write a UNREADABLE_EVENT event to the failed-events queue \(/),
    });
    expect(await executions(record)).toEqual([]);
    expect(await runsOf('queue_gone')).toEqual([]);
  });

  it('carries the start of an event too large for an SQS message, and says it was cut', async () => {
    const huge = { kind: 'scheduled', dagId: 'huge_event', scheduledTime: 'x', padding: 'p'.repeat(300_000) };
    const written = await reportFailedEvent(sqs, failedEventsUrl, {
      source: 'trigger',
      at: new Date('2026-12-01T00:00:00Z'),
      code: 'UNREADABLE_EVENT',
      problems: ["scheduledTime 'x' is not an ISO date"],
      event: huge,
    });
    expect(written.eventTruncated).toBe(true);
    expect(JSON.stringify(huge).startsWith(written.event as string)).toBe(true);
    const [taken] = await waitForFailedEvents((message) => message.body.eventTruncated === true, 1);
    expect(taken!.body).toEqual({
      source: 'trigger',
      at: '2026-12-01T00:00:00.000Z',
      reason: {
        code: 'UNREADABLE_EVENT',
        message: "scheduledTime 'x' is not an ISO date",
        problems: ["scheduledTime 'x' is not an ISO date"],
      },
      event: written.event,
      eventTruncated: true,
    });
    expect((taken!.body.event as string).length).toBeLessThan(JSON.stringify(huge).length);
  });
});
