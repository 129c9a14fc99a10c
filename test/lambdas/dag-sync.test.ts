import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeStateMachineAliasCommand, DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dagFileChanges } from '../../lib/dag-sync/dag-file-change.ts';
import { fileLease } from '../../lib/dag-sync/dag-file-events.ts';
import { type DagSyncDeps, syncDagFile } from '../../lib/dag-sync/dag-sync.ts';
import { syncDagBatch } from '../../lib/dag-sync/dag-sync-batch.ts';
import { lambdaEvaluator } from '../../lib/dag-sync/evaluator-client.ts';
import { lambdaTrigger, type ScheduledFire } from '../../lib/dag-sync/trigger-client.ts';
import { readDagRecord } from '../../lib/dynamo/dag-record.ts';
import { releaseLease, takeLease } from '../../lib/dynamo/item-lease.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployEvaluatorLambda } from '../helpers/evaluator-lambda.ts';
import { deployRecordingTrigger } from '../helpers/trigger-lambda.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The dag-sync Lambda on moto (S3 with its event notifications to SQS, Step Functions, EventBridge Scheduler,
 * DynamoDB): files are uploaded, S3's own notifications are read from the queue and handed to the handler as the
 * Lambda event source would. DAG files are evaluated by the evaluator Lambda, its bundle deployed on MiniStack
 * (moto runs no Lambda code): the handler's Lambda client goes there (`AWS_ENDPOINT_URL_LAMBDA`), the rest to moto.
 * The fires a deployment owes the trigger (catchup) go to a MiniStack function that records them (moto cannot
 * start an execution on the `live` alias; dag-sync-catchup.test.ts runs the real trigger on MiniStack).
 */
const BUCKET = 'airstep-sync-test';
const region = 'us-east-1';
/** Where per-DAG alarms send (moto keeps the alarm's actions without checking the topic). */
const ALERTS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:airstep-alerts';
let moto: RunningEmulator;
let ministack: RunningEmulator;
let evaluator: Awaited<ReturnType<typeof deployEvaluatorLambda>>;
let trigger: Awaited<ReturnType<typeof deployRecordingTrigger>>;
let scratch: string;
let s3: S3Client;
let sqs: SQSClient;
let sfn: SFNClient;
let scheduler: SchedulerClient;
let dagEvents: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let handler: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;
const dynamo = () => dynamoFor(moto.endpoint);

const upload = async (key: string, body: string | Uint8Array) => {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return put.VersionId;
};
const fixture = (name: string) => readFileSync(`test/fixtures/dag-sync/${name}`);

/** The S3 notifications waiting on the dag-sync queue, as the event source hands them over (and deletes them). */
async function pendingEvent(expected: number): Promise<{ event: SQSEvent; messages: Message[] }> {
  const messages: Message[] = [];
  const deadline = Date.now() + 60_000; // a backstop: moto queues S3's notification as the object is put
  while (messages.length < expected && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dagEvents, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      // S3's test event (sent when the notification is configured) can come late on a busy machine; it is no
      // file change, and counting it would leave a real one out of the batch.
      if (dagFileChanges(message.Body!).length > 0) messages.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dagEvents, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  expect(messages).toHaveLength(expected);
  return { event: sqsEvent(messages.map((message) => message.Body!)), messages };
}
const stateMachineArn = (dagId: string) => `arn:aws:states:${region}:123456789012:stateMachine:airstep-${dagId}`;
const sqsEvent = (bodies: string[]): SQSEvent =>
  ({
    Records: bodies.map((body, index) => ({
      messageId: `m${index}`,
      body,
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:dag-events',
    })),
  }) as unknown as SQSEvent;
const importError = async (file: string) => {
  const item = await dynamo().send(new GetItemCommand({ TableName: tables.importErrors, Key: { file: { S: file } } }));
  return item.Item === undefined ? undefined : (JSON.parse(item.Item.errors!.S!) as string[]);
};
/** The version the `live` alias routes executions to (moto has no ListStateMachineVersions). */
const liveVersion = async (aliasArn: string) =>
  (await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }))).routingConfiguration?.map(
    (route) => [route.stateMachineVersionArn, route.weight],
  );

beforeAll(async () => {
  [moto, ministack] = await Promise.all([startEmulator('moto'), startEmulator('ministack')]);
  evaluator = await deployEvaluatorLambda(ministack);
  Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL_LAMBDA: ministack.endpoint });
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  sqs = new SQSClient(clientConfig);
  sfn = new SFNClient(clientConfig);
  scheduler = new SchedulerClient(clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  dagEvents = (await sqs.send(new CreateQueueCommand({ QueueName: 'dag-events' }))).QueueUrl!;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dagEvents, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: queueArn,
            Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dags/' }] } },
          },
        ],
      },
    }),
  );
  tables = await createStackTables(dynamo(), 'sync');
  scratch = await mkdtemp(join(tmpdir(), 'airstep-dag-sync-'));
  trigger = await deployRecordingTrigger(ministack, join(scratch, 'fires.jsonl'));
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'airstep-dags' }));
  Object.assign(process.env, {
    [STACK_ENV.dagsTable]: tables.dags,
    [STACK_ENV.importErrorsTable]: tables.importErrors,
    [STACK_ENV.namePrefix]: 'airstep',
    [STACK_ENV.stateMachineRoleArn]: 'arn:aws:iam::123456789012:role/airstep-state-machines',
    [STACK_ENV.taskQueueUrls]: JSON.stringify({ default: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasks' }),
    [STACK_ENV.controlQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/control',
    [STACK_ENV.scheduleGroup]: 'airstep-dags',
    [STACK_ENV.schedulerRoleArn]: 'arn:aws:iam::123456789012:role/airstep-scheduler',
    [STACK_ENV.triggerFunctionArn]: trigger.functionArn,
    [STACK_ENV.assetEventBusName]: 'airstep-assets',
    [STACK_ENV.ecsClusterArn]: 'arn:aws:ecs:us-east-1:123456789012:cluster/airstep',
    [STACK_ENV.workerTaskDefinition]: 'airstep-worker',
    [STACK_ENV.containerTaskRoleArn]: 'arn:aws:iam::123456789012:role/airstep-container-task',
    [STACK_ENV.containerExecutionRoleArn]: 'arn:aws:iam::123456789012:role/airstep-container-execution',
    [STACK_ENV.containerLogGroup]: 'airstep-containers',
    [STACK_ENV.stateMachineLogGroupArn]: 'arn:aws:logs:us-east-1:123456789012:log-group:airstep-executions:*',
    [STACK_ENV.stateMachineLogLevel]: 'ERROR',
    [STACK_ENV.subnetIds]: 'subnet-1,subnet-2',
    [STACK_ENV.securityGroupIds]: 'sg-1',
    [STACK_ENV.assignPublicIp]: 'ENABLED',
    [STACK_ENV.runsTable]: 'airstep-runs',
    [STACK_ENV.taskInstancesTable]: 'airstep-task-instances',
    [STACK_ENV.awsSdkActions]: JSON.stringify([]),
    [STACK_ENV.passableRoleArns]: JSON.stringify([]),
    [STACK_ENV.assumableRoleArns]: JSON.stringify(['arn:aws:iam::444455556666:role/data-reader']),
    [STACK_ENV.evaluatorFunction]: evaluator.functionName,
    [STACK_ENV.alertsTopicArn]: ALERTS_TOPIC,
  });
  handler = asRole('dagSync', (await import('../../lambdas/dag-sync/index.ts')).handler, { bucket: BUCKET });
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
  await Promise.all([moto?.stop(), ministack?.stop()]);
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('dag-sync Lambda', () => {
  it('deploys the good file of a batch and records the broken, endless, memory-hungry and unbundled ones; redelivery changes nothing', async () => {
    await upload('dags/good.ts', fixture('good.ts'));
    await upload('dags/cycle.ts', fixture('cycle.ts'));
    await upload('dags/hostile.ts', fixture('hostile.ts'));
    await upload('dags/memory_hog.ts', fixture('memory_hog.ts'));
    await upload('dags/helper_import.ts', fixture('helper_import.ts'));
    const { event } = await pendingEvent(5);

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const record = await readDagRecord(dynamo(), tables.dags, 'sync_nightly');
    expect(record).toMatchObject({
      dagId: 'sync_nightly',
      file: 'dags/good.ts',
      disabled: false,
      maxActiveRuns: 16,
      deadline: { reference: 'dataIntervalEnd', intervalSeconds: 10_800, alert: true },
    });
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: record!.stateMachineArn }));
    expect(machine.name).toBe('airstep-sync_nightly');
    expect(machine.definition).toContain('https://sqs.us-east-1.amazonaws.com/123456789012/tasks');
    expect(machine.definition).toContain(`"dagVersion": "${record!.dagVersion}"`);
    expect(machine.definition).not.toContain('${');
    // Failed states and runs in CloudWatch Logs, no payloads.
    expect(machine.loggingConfiguration).toEqual({
      level: 'ERROR',
      includeExecutionData: false,
      destinations: [
        {
          cloudWatchLogsLogGroup: {
            logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airstep-executions:*',
          },
        },
      ],
    });
    expect(record!.aliasArn).toBe(`${record!.stateMachineArn}:live`);
    expect(await liveVersion(record!.aliasArn)).toEqual([[`${record!.stateMachineArn}:1`, 100]]);
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: 'sync_nightly--0', GroupName: 'airstep-dags' }),
    );
    expect([schedule.ScheduleExpression, schedule.ScheduleExpressionTimezone, schedule.State]).toEqual([
      'cron(30 2 * * ? *)',
      'Europe/Berlin',
      'ENABLED',
    ]);
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({
      kind: 'scheduled',
      dagId: 'sync_nightly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    const bundle = await s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: `artifacts/sync_nightly/${record!.dagVersion}/bundle.mjs`,
      }),
    );
    // The file as JavaScript (types erased), importable by the worker.
    expect(await bundle.Body!.transformToString()).toMatch(
      /^import \{ dag \} from ["']airstep["'];\n[\s\S]*id: ["']sync_nightly["']/,
    );

    expect(await importError('dags/good.ts')).toBeUndefined();
    expect(await importError('dags/cycle.ts')).toEqual([
      'dags/cycle.ts › dag sync_cycle › task a › upstream: dependency cycle: a -> b -> a',
    ]);
    expect(await importError('dags/hostile.ts')).toEqual([
      'dags/hostile.ts › import did not finish within 30 s (a loop at import?)',
    ]);
    const hog = await importError('dags/memory_hog.ts');
    expect(hog).toHaveLength(1);
    expect(hog![0]).toMatch(/^dags\/memory_hog\.ts › import ended the evaluating process \(.*\) \(out of memory\)/);
    expect((await importError('dags/helper_import.ts'))?.[0]).toMatch(
      /^dags\/helper_import\.ts › imports '\.\/label\.ts', which a DAG file synced on its own cannot: .* `airstep sync` uploads a bundle$/,
    );
    for (const dagId of ['sync_cycle', 'sync_hostile', 'sync_hog', 'sync_helper']) {
      expect(await readDagRecord(dynamo(), tables.dags, dagId)).toBeUndefined();
    }

    // SQS delivers the good and the broken file's events again: the same content changes nothing (no new
    // state machine version, the same records).
    const keyOf = (body: string) => dagFileChanges(body)[0]!.key;
    const good = sqsEvent(
      event.Records.map((record) => record.body).filter((body) =>
        ['dags/good.ts', 'dags/cycle.ts'].includes(keyOf(body)),
      ),
    );
    expect(good.Records).toHaveLength(2);
    expect(await handler(good)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_nightly')).toEqual(record);
    expect(await liveVersion(record!.aliasArn)).toEqual([[`${record!.stateMachineArn}:1`, 100]]);
    expect(await importError('dags/cycle.ts')).toHaveLength(1);
  }, 300_000);
  it('deploys a file of a batch while another file of it is still being evaluated', async () => {
    await upload('dags/slow.ts', fixture('good.ts').toString().replaceAll('sync_nightly', 'sync_slow'));
    await upload(
      'dags/quick.ts',
      "import { dag } from 'airstep';\nconst d = dag({ id: 'sync_quick' });\nd.task('t', async () => 1);\nexport default d;\n",
    );
    const { event } = await pendingEvent(2);
    // The slow file's evaluation is held until the quick file's DAG is recorded (or a minute passes): files of a
    // batch are synced side by side, so the quick one is deployed meanwhile; one after another, it never would be.
    const evaluate = lambdaEvaluator(evaluator.lambda, evaluator.functionName);
    let quickDeployedWhileSlowPending = false;
    const deps: DagSyncDeps = {
      ...syncDeps(),
      evaluate: async (request) => {
        if (request.file !== 'dags/slow.ts') return evaluate(request);
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
          if ((await readDagRecord(dynamo(), tables.dags, 'sync_quick')) !== undefined) {
            quickDeployedWhileSlowPending = true;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return evaluate(request);
      },
    };
    const outcomes: string[] = [];
    const failed = await syncDagBatch(
      event.Records.map((record) => ({ id: record.messageId, body: record.body })),
      deps,
      {
        onResult: (result) => outcomes.push(`${result.file}: ${result.outcome}`),
        onError: (_id, change, error) => outcomes.push(`${change?.key}: ${(error as Error).message}`),
      },
    );
    expect([failed, outcomes.sort()]).toEqual([[], ['dags/quick.ts: deployed', 'dags/slow.ts: deployed']]);
    expect(quickDeployedWhileSlowPending).toBe(true);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_slow')).toMatchObject({ disabled: false });
  });
  it('refuses a forged evaluation (a service call Airstep never compiles, an id of another DAG) and an unreadable one, and deploys the rest of the batch', async () => {
    await upload(
      'dags/honest.ts',
      "import { dag } from 'airstep';\nconst d = dag({ id: 'sync_honest' });\nd.task('t', async () => 1);\nexport default d;\n",
    );
    await upload('dags/forged.ts', fixture('forged.ts'));
    await upload('dags/garbage_answer.ts', fixture('garbage_answer.ts'));
    const { event } = await pendingEvent(3);

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_honest')).toMatchObject({
      file: 'dags/honest.ts',
      disabled: false,
    });
    expect(await importError('dags/forged.ts')).toEqual([
      'dags/forged.ts › dag sync_forged › state "Backdoor" › Resource arn:aws:states:::aws-sdk:iam:createUser: needs iam:CreateUser, which this stack\'s state machines may not call (list it in the Airstep construct\'s awsSdkPermissions)',
      "dags/forged.ts › dag sync_posing › id: the manifest says 'sync_nightly'",
    ]);
    expect(await importError('dags/garbage_answer.ts')).toEqual([
      'dags/garbage_answer.ts › the evaluating process answered something that is not JSON (10 characters)',
    ]);
    for (const dagId of ['sync_forged', 'sync_posing', 'sync_garbage']) {
      expect(await readDagRecord(dynamo(), tables.dags, dagId)).toBeUndefined();
      await expect(
        sfn.send(
          new DescribeStateMachineCommand({
            stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:airstep-${dagId}`,
          }),
        ),
      ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    }
  });
  it('records a file that kills its evaluator as an import error of that file only; dag-sync and the next files go on', async () => {
    await upload(
      'dags/bystander.ts',
      "import { dag } from 'airstep';\nconst d = dag({ id: 'sync_bystander' });\nd.task('t', async () => 1);\nexport default d;\n",
    );
    await upload('dags/kills_evaluator.ts', fixture('kills_evaluator.ts'));
    const { event } = await pendingEvent(2);

    // The signal reaches the evaluator Lambda's process, not dag-sync's (this test's own process, here).
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_bystander')).toMatchObject({ disabled: false });
    const [error, ...more] = (await importError('dags/kills_evaluator.ts')) ?? [];
    expect(more).toEqual([]);
    expect(error).toMatch(/^dags\/kills_evaluator\.ts › the evaluator failed: \S/);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_killer')).toBeUndefined();

    // The evaluator serves the next file (Lambda starts a new environment for it).
    await upload(
      'dags/after_kill.ts',
      "import { dag } from 'airstep';\nconst d = dag({ id: 'sync_after_kill' });\nd.task('t', async () => 1);\nexport default d;\n",
    );
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_after_kill')).toMatchObject({ disabled: false });
  });
  it('refuses a file larger than a synchronous Invoke takes, as an import error of that file', async () => {
    const padding = 'x'.repeat(6 * 1024 * 1024);
    await upload(
      'dags/huge.ts',
      `import { dag } from 'airstep';\nconst pad = '${padding}';\nconst d = dag({ id: 'sync_huge', description: pad.slice(0, 1) });\nd.task('t', async () => 1);\nexport default d;\n`,
    );
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await importError('dags/huge.ts')).toEqual([
      'dags/huge.ts › the file is larger than the evaluator takes (6143 KiB of JavaScript)',
    ]);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_huge')).toBeUndefined();
  });
  it('publishes a new version behind the live alias when the file changes, and ignores an older event that arrives late', async () => {
    const before = await readDagRecord(dynamo(), tables.dags, 'sync_nightly');
    const changed = `${fixture('good.ts').toString()}\n// changed\n`;
    const v2 = await upload('dags/good.ts', changed);
    await pendingEvent(1); // moto's notification; the sequenced ones below stand in for S3's

    const s3Event = (sequencer: string, versionId: string | undefined, kind = 'ObjectCreated:Put') =>
      JSON.stringify({
        Records: [
          {
            eventName: kind,
            s3: { bucket: { name: BUCKET }, object: { key: 'dags/good.ts', sequencer, versionId } },
          },
        ],
      });
    expect(await handler(sqsEvent([s3Event('0055AED6DCD90281E6', v2)]))).toEqual({ batchItemFailures: [] });
    const after = await readDagRecord(dynamo(), tables.dags, 'sync_nightly');
    expect(after!.dagVersion).not.toBe(before!.dagVersion);
    expect(await liveVersion(after!.aliasArn)).toEqual([[`${after!.stateMachineArn}:2`, 100]]);
    const updated = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: after!.stateMachineArn }));
    expect(updated.loggingConfiguration?.level).toBe('ERROR');

    // The first upload's event, delivered only now (its sequencer is lower): nothing goes back to the old file.
    const [change] = dagFileChanges(s3Event('0055AED6DCD90281E5', undefined));
    expect(await syncDagFile(change!, syncDeps())).toEqual({ file: 'dags/good.ts', outcome: 'stale', dags: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_nightly')).toEqual(after);
    expect(await liveVersion(after!.aliasArn)).toEqual([[`${after!.stateMachineArn}:2`, 100]]);
  });
  it('takes a DAG with helper modules once `airstep sync` uploaded it as one bundle', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/airstep.js', 'sync', 'dags/s3_medallion_ingestion.ts', '--bucket', BUCKET, '--json'],
      { env: { ...process.env, NO_COLOR: '1' } },
    );
    const uploaded = JSON.parse(stdout) as { ok: boolean; files: Array<{ key: string }> };
    expect(uploaded.ok).toBe(true);
    expect(uploaded.files.map((file) => file.key)).toEqual(['dags/s3_medallion_ingestion.mjs']);
    const { event } = await pendingEvent(1);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 's3_medallion_ingestion')).toMatchObject({
      file: 'dags/s3_medallion_ingestion.mjs',
      disabled: false,
    });
  });
  it('runs Fargate work as the DAG sizes it, registering a task definition for each container image', async () => {
    await upload('dags/containers.ts', fixture('containers.ts'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await importError('dags/containers.ts')).toBeUndefined();
    const record = await readDagRecord(dynamo(), tables.dags, 'sync_scoring');
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: record!.stateMachineArn }));
    type RunTask = { Parameters: { TaskDefinition: string; Overrides: { Cpu: string; Memory: string } } };
    const states = (JSON.parse(machine.definition!) as { States: Record<string, RunTask> }).States;
    const runTasks = JSON.stringify(states).match(/"TaskDefinition":"[^"]+"/g);
    // The worker task by family (its latest revision), the image task by the revision dag-sync registered.
    expect(runTasks).toEqual([
      '"TaskDefinition":"airstep-worker"',
      '"TaskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/airstep-sync_scoring-score:1"',
    ]);
    const sizes = JSON.stringify(states).match(/"Cpu":"\d+","Memory":"\d+"/g);
    // 1024 CPU units take 2048 MiB at least; 4096 MiB needs 512 CPU units at least.
    expect(sizes).toEqual(['"Cpu":"1024","Memory":"2048"', '"Cpu":"512","Memory":"4096"']);

    const ecs = new ECSClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'airstep-sync_scoring-score' }),
    );
    expect(taskDefinition).toMatchObject({
      revision: 1,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '4096',
      taskRoleArn: 'arn:aws:iam::123456789012:role/airstep-container-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/airstep-container-execution',
    });
    expect(taskDefinition!.containerDefinitions).toMatchObject([
      {
        name: 'task',
        image: 'public.ecr.aws/acme/score:1.4',
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': 'airstep-containers', 'awslogs-stream-prefix': 'airstep-sync_scoring-score' },
        },
      },
    ]);

    // The same file again registers nothing new: its version is already live.
    await upload('dags/containers.ts', fixture('containers.ts'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    const again = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'airstep-sync_scoring-score' }));
    expect(again.taskDefinition!.revision).toBe(1);
    ecs.destroy();
  });
  it('waits while another dag-sync holds the file, and fails the event when the hold outlasts the wait', async () => {
    const file = 'dags/held.ts';
    await upload(file, fixture('good.ts').toString().replaceAll('sync_nightly', 'sync_held'));
    const { event } = await pendingEvent(1);
    const [change] = dagFileChanges(event.Records[0]!.body);
    const other = fileLease(dynamo(), tables.dags, file, { holder: 'another-dag-sync', seconds: 60, waitMs: 0 });
    await takeLease(other);

    // Held past the wait (none here): the message fails (SQS delivers it again), and nothing is deployed.
    const impatient = { ...syncDeps(), lease: { seconds: 300, waitMs: 0 } };
    await expect(syncDagFile(change!, impatient)).rejects.toThrow(
      'dags/held.ts: another dag-sync is syncing this file; its event will be delivered again',
    );
    const seen: unknown[] = [];
    const failed = await syncDagBatch([{ id: 'm-held', body: event.Records[0]!.body }], impatient, {
      onResult: (result) => seen.push(result),
      onError: (_id, _change, error) => seen.push((error as Error).message),
    });
    expect([failed, seen]).toEqual([
      ['m-held'],
      ['dags/held.ts: another dag-sync is syncing this file; its event will be delivered again'],
    ]);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_held')).toBeUndefined();

    // The holder finishes within the wait: the sync goes ahead, and gives the file back when done.
    setTimeout(() => void releaseLease(other), 800);
    // The wait outlasts any delay of the release on a loaded machine: the test shows the sync goes on once it comes.
    const patient = { ...syncDeps(), lease: { seconds: 300, waitMs: 90_000 } };
    expect(await syncDagFile(change!, patient)).toMatchObject({ outcome: 'deployed', dags: ['sync_held'] });
    await takeLease(fileLease(dynamo(), tables.dags, file, { holder: 'next', seconds: 60, waitMs: 0 }));
  });

  it("refuses a DAG whose task runs as a role the stack's workers may not assume, and deploys the one that names a listed role", async () => {
    await upload(
      'dags/run_as.ts',
      `import { dag } from 'airstep';
const listed = dag({ id: 'run_as_listed', defaultArgs: { runAs: 'arn:aws:iam::444455556666:role/data-reader' } });
listed.task('read', async () => 1);
const unlisted = dag({ id: 'run_as_unlisted' });
unlisted.task('fine', async () => 1);
unlisted.task('write', { runAs: 'arn:aws:iam::444455556666:role/data-writer' }, async () => 2);
export { listed, unlisted };
`,
    );
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await importError('dags/run_as.ts')).toEqual([
      "dags/run_as.ts › dag run_as_unlisted › task write › runAs: this stack's workers may not assume arn:aws:iam::444455556666:role/data-writer (list it in the Airstep construct's assumableRoleArns)",
    ]);
    expect(await readDagRecord(dynamo(), tables.dags, 'run_as_unlisted')).toBeUndefined();
    expect(
      await sfn
        .send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineArn('run_as_unlisted') }))
        .catch((error: Error) => error.name),
    ).toBe('StateMachineDoesNotExist');
    expect(await readDagRecord(dynamo(), tables.dags, 'run_as_listed')).toMatchObject({ disabled: false });
  });

  it('deploys asset DAGs: outlets put their events on the stack bus, a consumer record keeps its condition', async () => {
    const file = (consumerSchedule: string) => `import { asset, dag } from 'airstep';
const orders = asset('s3://lake/orders');
const producer = dag({ id: 'assets_producer' });
producer.task('load', { outlets: [orders] }, async () => 1);
const consumer = dag({ id: 'assets_consumer', schedule: ${consumerSchedule} });
consumer.task('report', async () => 2);
export { producer, consumer };
`;
    await upload('dags/assets.ts', file('[orders]'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await importError('dags/assets.ts')).toBeUndefined();
    const definition = (
      await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineArn('assets_producer') }))
    ).definition!;
    // One outlet state, onto the stack's asset bus (the placeholder filled from AIRSTEP_ASSET_EVENT_BUS_NAME).
    expect(definition.split('"arn:aws:states:::events:putEvents"')).toHaveLength(2);
    expect(definition).toContain('"EventBusName": "airstep-assets"');
    const consumer = await readDagRecord(dynamo(), tables.dags, 'assets_consumer');
    expect(consumer).toMatchObject({
      disabled: false,
      assets: { kind: 'all', of: [{ kind: 'asset', uri: 's3://lake/orders' }] },
    });
    const since = consumer!.assetsSince!;
    expect(Number.isNaN(Date.parse(since))).toBe(false);
    expect((await readDagRecord(dynamo(), tables.dags, 'assets_producer'))?.assets).toBeUndefined();

    // A new version of a live consumer keeps consuming from where it started; one without assets stops.
    await upload('dags/assets.ts', file("{ time: '@daily', assets: [orders] }"));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await readDagRecord(dynamo(), tables.dags, 'assets_consumer')).toMatchObject({ assetsSince: since });
    await upload('dags/assets.ts', file('null'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    const stopped = await readDagRecord(dynamo(), tables.dags, 'assets_consumer');
    expect([stopped?.assets, stopped?.assetsSince]).toEqual([undefined, undefined]);
  });

  it('deploys a DAG too big for one state machine as a parent and its children (the evaluator answers them packed), and removes the children when it fits in one again', async () => {
    const bigFile = (fanOut: number) => `import { dag } from 'airstep';
const big = dag({ id: 'sync_big' });
const start = big.task('start', async () => 1);
const end = big.task('end', async () => 2);
for (let i = 0; i < ${fanOut}; i++) big.task(\`t\${i}\`, async () => i).after(start).then(end);
const small = dag({ id: 'sync_small' });
small.task('only', async () => 3);
export { big, small };
`;
    await upload('dags/big.ts', bigFile(700));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await importError('dags/big.ts')).toBeUndefined();
    const record = await readDagRecord(dynamo(), tables.dags, 'sync_big');
    expect(record).toMatchObject({ disabled: false, stateMachineArn: stateMachineArn('sync_big') });
    const children = record!.childMachines!;
    expect(children.length).toBeGreaterThan(1);
    expect(children).toEqual(children.map((_, i) => `airstep-sync_big-part-${String(i + 1).padStart(2, '0')}`));
    // The parent starts exactly the versions its children's live aliases route to, deployed with it.
    const parent = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: record!.stateMachineArn }));
    const started = JSON.stringify(JSON.parse(parent.definition!));
    for (const name of children) {
      const arn = `arn:aws:states:${region}:123456789012:stateMachine:${name}`;
      const version = (await liveVersion(`${arn}:live`))?.[0]?.[0];
      expect(version).toMatch(new RegExp(`^${arn}:\\d+$`));
      expect(started).toContain(`"StateMachineArn":"${version}"`);
    }
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_small')).toMatchObject({ disabled: false });

    // Small enough for one machine again: the children are deleted and the record says so.
    await upload('dags/big.ts', bigFile(3));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    const whole = await readDagRecord(dynamo(), tables.dags, 'sync_big');
    expect(whole?.childMachines).toBeUndefined();
    for (const name of children)
      await expect(
        sfn.send(
          new DescribeStateMachineCommand({
            stateMachineArn: `arn:aws:states:${region}:123456789012:stateMachine:${name}`,
          }),
        ),
      ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  }, 300_000);

  it("leaves alone the schedules of a DAG whose id starts with another's id and '--'", async () => {
    // Schedules are named `<dagId>--<n>`: listing `etl--` also lists `etl--1--0`, which belongs to `etl--1`.
    const scheduled = (id: string) => `import { dag } from 'airstep';
const d = dag({ id: '${id}', schedule: '@daily', startDate: '2026-11-01' });
d.task('t', async () => 1);
export default d;
`;
    await upload('dags/prefixed.ts', scheduled('etl--1'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    await upload('dags/prefix.ts', scheduled('etl'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    const state = async (name: string) =>
      (await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'airstep-dags' }))).State;
    expect([await state('etl--0'), await state('etl--1--0')]).toEqual(['ENABLED', 'ENABLED']);

    // Disabling `etl` (its file no longer defines it) disables its schedule only.
    await upload('dags/prefix.ts', scheduled('etl').replace("id: 'etl'", "id: 'etl_renamed'"));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect([await state('etl--0'), await state('etl--1--0')]).toEqual(['DISABLED', 'ENABLED']);
    expect((await readDagRecord(dynamo(), tables.dags, 'etl--1'))?.disabled).toBe(false);
  });
  it('disables a DAG its file no longer defines, and every DAG of a deleted file, with their schedules', async () => {
    const two = `import { dag } from 'airstep';
const a = dag({ id: 'pair_a', schedule: '@hourly', startDate: '2026-11-01' });
a.task('t', async () => 1);
const b = dag({ id: 'pair_b', schedule: '@daily', startDate: '2026-11-01' });
b.task('t', async () => 2);
export { a, b };
`;
    await upload('dags/pair.ts', two);
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect((await readDagRecord(dynamo(), tables.dags, 'pair_b'))?.disabled).toBe(false);

    await upload('dags/pair.ts', two.replace('export { a, b };', 'export { a };'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect((await readDagRecord(dynamo(), tables.dags, 'pair_a'))?.disabled).toBe(false);
    expect((await readDagRecord(dynamo(), tables.dags, 'pair_b'))?.disabled).toBe(true);
    const scheduleState = async (dagId: string) =>
      (await scheduler.send(new GetScheduleCommand({ Name: `${dagId}--0`, GroupName: 'airstep-dags' }))).State;
    expect([await scheduleState('pair_a'), await scheduleState('pair_b')]).toEqual(['ENABLED', 'DISABLED']);

    // On a versioned bucket a delete leaves a delete marker, which S3 announces as ObjectRemoved:DeleteMarkerCreated;
    // moto sends no notification for it, so the events are written here as S3 sends them.
    const removed: string[] = [];
    for (const key of ['dags/good.ts', 'dags/pair.ts', 'dags/cycle.ts']) {
      const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      removed.push(
        JSON.stringify({
          Records: [
            {
              eventVersion: '2.1',
              eventSource: 'aws:s3',
              eventName: 'ObjectRemoved:DeleteMarkerCreated',
              s3: {
                bucket: { name: BUCKET },
                object: { key, versionId: deleted.VersionId, sequencer: '0055AED6DCD90281F0' },
              },
            },
          ],
        }),
      );
    }
    expect(await handler(sqsEvent(removed))).toEqual({ batchItemFailures: [] });
    for (const dagId of ['sync_nightly', 'pair_a', 'pair_b']) {
      expect((await readDagRecord(dynamo(), tables.dags, dagId))?.disabled, dagId).toBe(true);
    }
    expect([await scheduleState('sync_nightly'), await scheduleState('pair_a')]).toEqual(['DISABLED', 'DISABLED']);
    expect(await importError('dags/cycle.ts')).toBeUndefined();
    // The medallion DAG, from another file, is untouched.
    expect((await readDagRecord(dynamo(), tables.dags, 's3_medallion_ingestion'))?.disabled).toBe(false);
  });
  it('sends the trigger the latest ended interval of a DAG without catchup on its first deployment, and nothing when the event comes again', async () => {
    await upload(
      'dags/no_catchup.ts',
      `import { dag } from 'airstep';
const d = dag({ id: 'sync_latest_only', schedule: '@hourly', startDate: '2026-11-01' });
d.task('t', async () => 1);
export default d;
`,
    );
    const firesOf = async () =>
      (await trigger.received()).filter((fire) => (fire as ScheduledFire).dagId === 'sync_latest_only');
    const { event } = await pendingEvent(1);
    const before = Date.now();
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const after = Date.now();
    // The hour that ended last before the sync: the schedule's fire at its end, as EventBridge Scheduler sends it.
    const hour = 3_600_000;
    const lastFire = (at: number) => new Date(Math.floor(at / hour) * hour).toISOString().replace('.000Z', '+00:00');
    const fires = await firesOf();
    expect(fires).toHaveLength(1);
    expect([lastFire(before), lastFire(after)]).toContain((fires[0] as ScheduledFire).scheduledTime);
    expect(fires[0]).toMatchObject({ kind: 'scheduled', dagId: 'sync_latest_only' });
    const record = await readDagRecord(dynamo(), tables.dags, 'sync_latest_only');
    expect(record!.catchup).toMatchObject({ expression: '@hourly', from: '2026-11-01' });

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await firesOf()).toEqual(fires);
    expect(await readDagRecord(dynamo(), tables.dags, 'sync_latest_only')).toEqual(record);
  });

  it('makes the CloudWatch alarms a DAG asks for on its own metrics, deletes those it drops and all when it goes', async () => {
    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
    const alarmsOf = async () =>
      (
        (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'airstep-dag-sync_alarmed-' })))
          .MetricAlarms ?? []
      ).map((alarm) => ({
        name: alarm.AlarmName,
        metric: alarm.MetricName,
        namespace: alarm.Namespace,
        dimensions: alarm.Dimensions,
        rule: [alarm.Statistic, alarm.Period, alarm.ComparisonOperator, alarm.Threshold, alarm.TreatMissingData],
        actions: alarm.AlarmActions,
      }));
    const source = (alarms: string) => `import { dag } from 'airstep';
const d = dag({
  id: 'sync_alarmed',
  schedule: '@daily',
  startDate: '2026-11-01',
  deadline: { reference: 'dataIntervalEnd', interval: '2 hours' },
  ${alarms}
});
d.task('t', async () => 1);
export default d;
`;
    const rule = ['Sum', 300, 'GreaterThanOrEqualToThreshold', 1, 'notBreaching'];
    const dimensions = [{ Name: 'DagId', Value: 'sync_alarmed' }];
    await upload('dags/alarmed.ts', source('alarms: { onFailure: true, onDeadlineMiss: true },'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect(await alarmsOf()).toEqual([
      {
        name: 'airstep-dag-sync_alarmed-deadline-misses',
        metric: 'DeadlineMissed',
        namespace: 'Airstep',
        dimensions,
        rule,
        actions: [ALERTS_TOPIC],
      },
      {
        name: 'airstep-dag-sync_alarmed-failed-runs',
        metric: 'RunsFailed',
        namespace: 'Airstep',
        dimensions,
        rule,
        actions: [ALERTS_TOPIC],
      },
    ]);

    // Dropping one kind deletes its alarm and keeps the other.
    await upload('dags/alarmed.ts', source('alarms: { onFailure: true },'));
    expect(await handler((await pendingEvent(1)).event)).toEqual({ batchItemFailures: [] });
    expect((await alarmsOf()).map((alarm) => alarm.name)).toEqual(['airstep-dag-sync_alarmed-failed-runs']);

    // A dag-sync that cannot make alarms refuses the DAG that asks for them (nothing accepted and ignored).
    const version = await upload('dags/alarmed.ts', source('alarms: { onFailure: true, onDeadlineMiss: true },'));
    await pendingEvent(1);
    const refused = await syncDagFile(
      {
        kind: 'created',
        bucket: BUCKET,
        key: 'dags/alarmed.ts',
        ...(version !== undefined ? { versionId: version } : {}),
      },
      syncDeps(),
    );
    expect(refused).toMatchObject({
      outcome: 'import-error',
      errors: [
        "dags/alarmed.ts › dag sync_alarmed › alarms: this stack's dag-sync cannot make CloudWatch alarms (no alerts topic)",
      ],
    });
    expect((await alarmsOf()).map((alarm) => alarm.name)).toEqual(['airstep-dag-sync_alarmed-failed-runs']);

    // The DAG's file goes: its alarms go with it.
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'dags/alarmed.ts' }));
    const removed = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectRemoved:DeleteMarkerCreated',
          s3: {
            bucket: { name: BUCKET },
            object: { key: 'dags/alarmed.ts', versionId: deleted.VersionId, sequencer: 'FF55AED6DCD90281F0' },
          },
        },
      ],
    };
    expect(await handler(sqsEvent([JSON.stringify(removed)]))).toEqual({ batchItemFailures: [] });
    expect((await readDagRecord(dynamo(), tables.dags, 'sync_alarmed'))?.disabled).toBe(true);
    expect(await alarmsOf()).toEqual([]);
  });
});

/** The handler's dependencies, for calling the sync of one change directly. */
function syncDeps(): DagSyncDeps {
  const clientConfig = { endpoint: moto.endpoint, region, credentials: emulatorCredentials };
  return {
    s3,
    sfn,
    dynamo: dynamo(),
    scheduler: new SchedulerClient(clientConfig),
    tables: { dags: tables.dags, importErrors: tables.importErrors },
    namePrefix: 'airstep',
    stateMachineRoleArn: 'arn:aws:iam::123456789012:role/airstep-state-machines',
    placeholders: {
      controlQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/control',
      taskQueueUrls: { default: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasks' },
    },
    schedules: {
      group: 'airstep-dags',
      roleArn: 'arn:aws:iam::123456789012:role/airstep-scheduler',
      triggerArn: 'arn:aws:lambda:us-east-1:123456789012:function:airstep-trigger',
    },
    evaluate: lambdaEvaluator(evaluator.lambda, evaluator.functionName),
    trigger: lambdaTrigger(trigger.lambda, trigger.functionArn),
  };
}
