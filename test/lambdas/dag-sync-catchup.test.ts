import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dagFileChanges } from '../../lib/dag-sync/dag-file-change.ts';
import { type DagSyncDeps, syncDagFile } from '../../lib/dag-sync/dag-sync.ts';
import { lambdaEvaluator } from '../../lib/dag-sync/evaluator-client.ts';
import { lambdaTrigger, type ScheduledFire } from '../../lib/dag-sync/trigger-client.ts';
import { readDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { runId } from '../../lib/schedule/index.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployEvaluatorLambda } from '../helpers/evaluator-lambda.ts';
import { deployTriggerLambda } from '../helpers/trigger-lambda.ts';
import { utcDayWithRoom } from '../helpers/utc-day.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * Catchup in the cloud: the dag-sync handler (as its role, for the IAM check) on MiniStack, whose Step Functions
 * starts executions on the `live` alias dag-sync creates (moto cannot), with the real trigger Lambda and the
 * evaluator Lambda deployed there. The runs the trigger starts and queues are read back from the runs tables.
 */
const BUCKET = 'airstep-catchup-test';
const region = 'us-east-1';
let ministack: RunningEmulator;
let evaluator: Awaited<ReturnType<typeof deployEvaluatorLambda>>;
let trigger: Awaited<ReturnType<typeof deployTriggerLambda>>;
let s3: S3Client;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let handler: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;
const dynamo = () => dynamoFor(ministack.endpoint);
let sequencer = 0;

/** Uploads a DAG file and answers the event S3 sends for it, as the dag-sync queue hands it over. */
async function uploaded(key: string, body: string): Promise<SQSEvent> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  sequencer += 1;
  const s3Event = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: BUCKET },
          object: { key, sequencer: `0055AED6DCD9${sequencer.toString(16).toUpperCase().padStart(6, '0')}` },
        },
      },
    ],
  };
  return {
    Records: [
      {
        messageId: 'm0',
        body: JSON.stringify(s3Event),
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:dag-events',
      },
    ],
  } as unknown as SQSEvent;
}

const FILE_MS = 300_000;
let today: number;
beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  tables = await createStackTables(dynamo(), 'catchup');
  await new SchedulerClient(clientConfig).send(new CreateScheduleGroupCommand({ Name: 'airstep-dags' }));
  const failedEvents = (await new SQSClient(clientConfig).send(new CreateQueueCommand({ QueueName: 'failed-events' })))
    .QueueUrl!;
  evaluator = await deployEvaluatorLambda(ministack);
  trigger = await deployTriggerLambda(ministack, {
    tables,
    failedEventsQueueUrl: failedEvents,
    services: ministack.endpoint,
  });
  Object.assign(process.env, ministack.env, {
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.importErrorsTable]: tables.importErrors,
    [STACK_ENV.namePrefix]: 'airstep',
    [STACK_ENV.stateMachineRoleArn]: 'arn:aws:iam::000000000000:role/airstep-state-machines',
    [STACK_ENV.taskQueueUrls]: JSON.stringify({ default: 'https://sqs.us-east-1.amazonaws.com/000000000000/tasks' }),
    [STACK_ENV.controlQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/control',
    [STACK_ENV.scheduleGroup]: 'airstep-dags',
    [STACK_ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/airstep-scheduler',
    [STACK_ENV.triggerFunctionArn]: trigger.functionArn,
    [STACK_ENV.assetEventBusName]: 'airstep-assets',
    [STACK_ENV.ecsClusterArn]: 'arn:aws:ecs:us-east-1:000000000000:cluster/airstep',
    [STACK_ENV.workerTaskDefinition]: 'airstep-worker',
    [STACK_ENV.containerTaskRoleArn]: 'arn:aws:iam::000000000000:role/airstep-container-task',
    [STACK_ENV.containerExecutionRoleArn]: 'arn:aws:iam::000000000000:role/airstep-container-execution',
    [STACK_ENV.containerLogGroup]: 'airstep-containers',
    [STACK_ENV.stateMachineLogGroupArn]: 'arn:aws:logs:us-east-1:000000000000:log-group:airstep-executions:*',
    [STACK_ENV.stateMachineLogLevel]: 'ERROR',
    [STACK_ENV.subnetIds]: 'subnet-1',
    [STACK_ENV.securityGroupIds]: 'sg-1',
    [STACK_ENV.assignPublicIp]: 'ENABLED',
    [STACK_ENV.runsTable]: 'airstep-runs',
    [STACK_ENV.taskInstancesTable]: 'airstep-task-instances',
    [STACK_ENV.awsSdkActions]: JSON.stringify([]),
    [STACK_ENV.passableRoleArns]: JSON.stringify([]),
    [STACK_ENV.assumableRoleArns]: JSON.stringify([]),
    [STACK_ENV.alertsTopicArn]: 'arn:aws:sns:us-east-1:000000000000:airstep-alerts',
    [STACK_ENV.evaluatorFunction]: evaluator.functionName,
  });
  handler = asRole('dagSync', (await import('../../lambdas/dag-sync/index.ts')).handler, { bucket: BUCKET });
  today = await utcDayWithRoom(FILE_MS);
}, 180_000 + FILE_MS);
afterAll(async () => {
  await ministack?.stop();
});

// Dates relative to today (UTC), so a DAG owes a known number of daily intervals whenever the test runs. The
// handler reads the clock itself: the day is one that the tests (two, 120 s each at most) end before it does.
const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
const scheduledId = (offset: number) => runId('scheduled', `${day(offset)}T00:00:00+00:00`);
const dagSource = (dagId: string, startDate: string, maxActiveRuns: number) => `import { dag } from 'airstep';
const d = dag({ id: '${dagId}', schedule: '@daily', startDate: '${startDate}', catchup: true, maxActiveRuns: ${maxActiveRuns} });
d.task('t', async () => 1);
export default d;
`;
const itemsOf = async (table: string, dagId: string) =>
  (
    await dynamo().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'dagId = :d',
        ExpressionAttributeValues: { ':d': { S: dagId } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
/** The DAG's runs: run id -> state. */
const runsOf = async (dagId: string) =>
  Object.fromEntries((await itemsOf(tables.runs, dagId)).map((item) => [item.runId!.S!, item.state!.S!]));
/** The DAG's queued runs in the order the recorder starts them (oldest `queuedAt` first). */
const queueOf = async (dagId: string) => (await itemsOf(tables.queuedRuns, dagId)).map((item) => item.runId!.S!);

describe('dag-sync Lambda: catchup (MiniStack runs the trigger Lambda)', () => {
  it('starts the intervals a catchup DAG owes on its first deployment, oldest first, maxActiveRuns at once and the rest queued; a redelivered event starts nothing; a startDate moved back owes the intervals before it', async () => {
    const source = (startDate: string) => dagSource('sync_catchup', startDate, 2);
    const runs = () => runsOf('sync_catchup');
    const queue = () => queueOf('sync_catchup');

    const event = await uploaded('dags/catchup.ts', source(day(-5)));
    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    // Five intervals ended since the start date: the two oldest started, the other three queued in order.
    expect(await runs()).toEqual({
      [scheduledId(-5)]: 'running',
      [scheduledId(-4)]: 'running',
      [scheduledId(-3)]: 'queued',
      [scheduledId(-2)]: 'queued',
      [scheduledId(-1)]: 'queued',
    });
    expect(await queue()).toEqual([scheduledId(-3), scheduledId(-2), scheduledId(-1)]);
    const record = await readDagRecord(dynamo(), tables.dags, 'sync_catchup');
    expect(record!.catchup).toMatchObject({ from: day(-5), through: `${day(-1)}T00:00:00+00:00` });

    // SQS delivers the event again: the same content, nothing owed, no fire sent (the trigger is not even asked).
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const fires: ScheduledFire[] = [];
    const recording = {
      ...(await syncDeps()),
      trigger: async (fire: ScheduledFire) => {
        fires.push(fire);
        return { outcome: 'none' };
      },
    };
    const [change] = dagFileChanges(event.Records[0]!.body);
    expect(await syncDagFile(change!, recording)).toEqual({
      file: 'dags/catchup.ts',
      outcome: 'unchanged',
      dags: ['sync_catchup'],
      errors: [],
    });
    expect(fires).toEqual([]);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_catchup')).toEqual(record);
    expect(Object.keys(await runs())).toHaveLength(5);

    // The start date moves back two days: those two intervals are owed, and queue behind the runs already there.
    expect(await handler(await uploaded('dags/catchup.ts', source(day(-7))))).toEqual({ batchItemFailures: [] });
    expect(await runs()).toMatchObject({ [scheduledId(-7)]: 'queued', [scheduledId(-6)]: 'queued' });
    expect(Object.keys(await runs())).toHaveLength(7);
    expect(await queue()).toEqual([
      scheduledId(-3),
      scheduledId(-2),
      scheduledId(-1),
      scheduledId(-7),
      scheduledId(-6),
    ]);
    expect((await readDagRecord(dynamo(), tables.dags, 'sync_catchup'))!.catchup).toMatchObject({
      from: day(-7),
      through: `${day(-1)}T00:00:00+00:00`,
    });
  });

  it('sends the same fires again after a sync that died midway; the trigger answers those it already started as duplicates', async () => {
    const event = await uploaded('dags/interrupted.ts', dagSource('sync_interrupted', day(-4), 16));
    const [change] = dagFileChanges(event.Records[0]!.body);
    const real = lambdaTrigger(trigger.lambda, trigger.functionArn);
    const answers: string[] = [];
    const dying = {
      ...(await syncDeps()),
      trigger: async (fire: ScheduledFire) => {
        if (answers.length === 2) throw new Error('dag-sync died');
        const answer = await real(fire);
        answers.push(answer.outcome);
        return answer;
      },
    };
    await expect(syncDagFile(change!, dying)).rejects.toThrow('dag-sync died');
    expect(await runsOf('sync_interrupted')).toEqual({ [scheduledId(-4)]: 'running', [scheduledId(-3)]: 'running' });
    // What was owed is recorded, nothing as handed over.
    const owed = (await readDagRecord(dynamo(), tables.dags, 'sync_interrupted'))!.catchup;
    expect(owed).toMatchObject({ from: day(-4) });
    expect(owed!.through).toBeUndefined();

    // SQS delivers the event again: the same content, the same fires, oldest first (each dated by its interval's
    // end, as a schedule fires).
    const again: Array<[string, string]> = [];
    const recording = {
      ...(await syncDeps()),
      trigger: async (fire: ScheduledFire) => {
        const answer = await real(fire);
        again.push([fire.scheduledTime.slice(0, 10), answer.outcome]);
        return answer;
      },
    };
    expect(await syncDagFile(change!, recording)).toMatchObject({ outcome: 'unchanged', dags: ['sync_interrupted'] });
    expect(again).toEqual([
      [day(-3), 'duplicate'],
      [day(-2), 'duplicate'],
      [day(-1), 'started'],
      [day(0), 'started'],
    ]);
    expect(Object.values(await runsOf('sync_interrupted'))).toEqual(['running', 'running', 'running', 'running']);
    expect((await readDagRecord(dynamo(), tables.dags, 'sync_interrupted'))!.catchup).toMatchObject({
      through: `${day(-1)}T00:00:00+00:00`,
    });
  });
});

/** The handler's dependencies, for calling the sync of one change directly. */
async function syncDeps(): Promise<DagSyncDeps> {
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  return {
    s3,
    sfn: new SFNClient(clientConfig),
    dynamo: dynamo(),
    scheduler: new SchedulerClient(clientConfig),
    tables: { dags: tables.dags, importErrors: tables.importErrors },
    namePrefix: 'airstep',
    stateMachineRoleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
    placeholders: {
      controlQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/control',
      taskQueueUrls: { default: 'https://sqs.us-east-1.amazonaws.com/000000000000/tasks' },
    },
    schedules: {
      group: 'airstep-dags',
      roleArn: 'arn:aws:iam::000000000000:role/airstep-scheduler',
      triggerArn: trigger.functionArn,
    },
    evaluate: lambdaEvaluator(evaluator.lambda, evaluator.functionName),
    trigger: lambdaTrigger(trigger.lambda, trigger.functionArn),
  };
}
