/**
 * `npm run stack:local [-- --json]`: the cloud stack on MiniStack, end to end, without Docker or AWS. The stack's
 * resources (bucket, tables, queues, topic, schedule group) are created through the AWS SDK with the construct's
 * own keys and names — MiniStack's CloudFormation cannot take the synthesized template's Lambda assets — and the
 * four Lambda handlers' logic runs in this process, called the way their event sources call them: S3 events from
 * the dag-sync queue, task and control messages from the task queues, status changes from the executions.
 * Then: upload `dags/` (bundled as `airstep sync` does), wait until every DAG is registered, trigger the
 * medallion DAG, run it to the end, and print a summary.
 */
import { readFile } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { dagFilesUnder, loadDagFile } from '../lib/cli/load-dags.ts';
import { seedExampleBuckets } from '../lib/local/example-buckets.ts';
import { bundleDagFile } from '../lib/runtime/bundle-dag-file.ts';
import { dynamoClient, readDagRecord } from '../lib/runtime/dag-record.ts';
import { type DagSyncDeps, dagFileChanges, syncDagFile } from '../lib/runtime/dag-sync.ts';
import { recordExecution } from '../lib/runtime/record-execution.ts';
import { triggerRun } from '../lib/runtime/trigger-run.ts';
import { handleWorkerMessage } from '../lib/runtime/worker-run.ts';
import { startEmulator } from './launcher.ts';
import { createStackTables } from './stack-tables.ts';

const json = process.argv.includes('--json');
/** `--extra <path>`: more DAG files to upload beside dags/ (the e2e test adds a broken one). */
const extraIndex = process.argv.indexOf('--extra');
const extra = extraIndex >= 0 ? process.argv[extraIndex + 1] : undefined;
const say = (line: string) => {
  if (!json) console.log(line);
};
const MAIN_DAG = 's3_medallion_ingestion';

const emulator = await startEmulator('ministack', { log: (line) => say(line) });
try {
  Object.assign(process.env, emulator.env);
  const s3 = new S3Client({ forcePathStyle: true });
  const sqs = new SQSClient({});
  const sfn = new SFNClient({});
  const dynamo = dynamoClient();
  const scheduler = new SchedulerClient({});
  say(`MiniStack on ${emulator.endpoint}`);

  // The stack's resources, named as the construct names them.
  const bucket = 'airstep-local';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await seedExampleBuckets(s3);
  const tables = await createStackTables(dynamo, 'airstep');
  const queue = async (name: string) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const taskQueue = await queue('airstep-task-default');
  const controlQueue = await queue('airstep-control');
  const dagEvents = await queue('airstep-dag-events');
  const dagEventsArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dagEvents, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: dagEventsArn,
            Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dags/' }] } },
          },
        ],
      },
    }),
  );
  const topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: 'airstep-alerts' }))).TopicArn!;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'airstep-dags' }));
  const syncDeps: DagSyncDeps = {
    s3,
    sfn,
    dynamo,
    scheduler,
    tables: { dags: tables.dags, importErrors: tables.importErrors },
    namePrefix: 'airstep',
    stateMachineRoleArn: 'arn:aws:iam::000000000000:role/airstep-state-machines',
    placeholders: { controlQueueUrl: controlQueue, taskQueueUrls: { default: taskQueue } },
    schedules: {
      group: 'airstep-dags',
      roleArn: 'arn:aws:iam::000000000000:role/airstep-scheduler',
      triggerArn: 'arn:aws:lambda:us-east-1:000000000000:function:airstep-trigger',
    },
    evaluator: { module: resolve('lib/runtime/dag-evaluator-main.ts'), execArgv: ['--import', 'tsx/esm'] },
  };

  // Upload dags/ as `airstep sync` does, and note which DAGs each file should register. Extra files go up as
  // they are (a broken one must be recorded as an import error while the others register).
  const files = await dagFilesUnder('dags');
  const expected = new Map<string, string>();
  const uploadedAt = performance.now();
  for (const file of files) {
    const key = `dags/${relative(resolve('dags'), resolve(file)).replace(/\.[^./]+$/, '')}.mjs`;
    for (const dag of (await loadDagFile(file)).dags) expected.set(dag.id, key);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await bundleDagFile(file) }));
  }
  const extraFiles = extra !== undefined ? await dagFilesUnder(extra) : [];
  for (const file of extraFiles) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `dags/extra/${basename(file)}`, Body: await readFile(file) }),
    );
  }
  say(`uploaded ${files.length} DAG files (${expected.size} DAGs) to s3://${bucket}/dags/`);

  // dag-sync: S3 events from the queue (MiniStack delivers them), each file synced as the Lambda would.
  const registeredAt = new Map<string, number>();
  const importErrors: string[] = [];
  const deadline = performance.now() + 120_000;
  let sawEvents = false;
  let synced = 0;
  while (
    (registeredAt.size < expected.size || synced < files.length + extraFiles.length) &&
    performance.now() < deadline
  ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dagEvents, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      sawEvents = true;
      for (const change of dagFileChanges(message.Body!)) {
        const result = await syncDagFile(change, syncDeps);
        synced++;
        if (result.outcome === 'import-error') importErrors.push(...result.errors);
        if (result.outcome === 'deployed' || result.outcome === 'unchanged') {
          for (const dagId of result.dags) registeredAt.set(dagId, performance.now());
        }
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dagEvents, ReceiptHandle: message.ReceiptHandle! }));
    }
    if (!sawEvents && performance.now() - uploadedAt > 15_000) {
      throw new Error(
        'no S3 event reached the dag-sync queue within 15 s (does the emulator send bucket notifications?)',
      );
    }
  }
  const uploadToRunnable = [...registeredAt.values()].map((at) => (at - uploadedAt) / 1000);
  say(`registered ${registeredAt.size} of ${expected.size} DAGs; import errors: ${importErrors.length}`);

  // trigger, then the worker on the task and control queues until the run ends, then the recorder.
  const record = await readDagRecord(dynamo, tables.dags, MAIN_DAG);
  if (record === undefined) throw new Error(`${MAIN_DAG} did not register`);
  const triggeredAt = performance.now();
  const triggered = await triggerRun(
    { kind: 'manual', dagId: MAIN_DAG },
    { dags: tables.dags, runs: tables.runs, queuedRuns: tables.queuedRuns },
  );
  if (triggered.outcome !== 'started') throw new Error(`trigger: ${JSON.stringify(triggered)}`);
  say(`triggered ${MAIN_DAG}: ${triggered.runId}`);
  let status = 'RUNNING';
  while (status === 'RUNNING' && performance.now() - triggeredAt < 120_000) {
    for (const url of [taskQueue, controlQueue]) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      await Promise.all(
        Messages.map(async (message) => {
          await handleWorkerMessage(JSON.parse(message.Body!), { bucket, gatesTable: tables.taskInstances });
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
        }),
      );
    }
    status =
      (await sfn.send(new DescribeExecutionCommand({ executionArn: triggered.executionArn }))).status ?? 'UNKNOWN';
    if (status === 'RUNNING') await new Promise((done) => setTimeout(done, 100));
  }
  const triggerToEnd = (performance.now() - triggeredAt) / 1000;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: triggered.executionArn }));
  const recorded = await recordExecution(
    {
      executionArn: triggered.executionArn,
      stateMachineArn: described.stateMachineArn!,
      name: described.name!,
      status: described.status as 'SUCCEEDED',
      startDate: described.startDate!.getTime(),
      stopDate: described.stopDate?.getTime() ?? null,
      input: described.input ?? null,
      output: described.output ?? null,
      error: described.error ?? null,
    },
    {
      dynamo,
      tables: {
        dags: tables.dags,
        runs: tables.runs,
        taskInstances: tables.taskInstances,
        queuedRuns: tables.queuedRuns,
      },
      alertsTopicArn: topicArn,
      region: 'us-east-1',
    },
  );
  const outputs = [];
  for (const target of ['airstep-processed', 'airstep-analytics']) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: target }));
    outputs.push(...(listed.Contents ?? []).map((object) => `s3://${target}/${object.Key}`));
  }
  const summary = {
    emulator: 'MiniStack 1.5.33 (resources through the AWS SDK; handlers in this process)',
    dagsRegistered: [...registeredAt.keys()].sort(),
    importErrors,
    uploadToRunnableSeconds: {
      max: Math.round(Math.max(...uploadToRunnable) * 100) / 100,
      perDag: Math.round((Math.max(...uploadToRunnable) / Math.max(1, registeredAt.size)) * 100) / 100,
    },
    run: { dagId: MAIN_DAG, runId: triggered.runId, state: recorded?.state ?? status, tasks: recorded?.tasks ?? [] },
    triggerToEndSeconds: Math.round(triggerToEnd * 100) / 100,
    outputs,
  };
  if (json) console.log(JSON.stringify(summary, null, 2));
  else {
    say(
      `run ${summary.run.state} in ${summary.triggerToEndSeconds} s: ${summary.run.tasks.map((t) => `${t.key} ${t.state}`).join(', ')}`,
    );
    say(
      `upload → runnable: ${summary.uploadToRunnableSeconds.max} s for all ${registeredAt.size} DAGs (${summary.uploadToRunnableSeconds.perDag} s per DAG)`,
    );
    for (const output of outputs) say(`  ${output}`);
  }
  process.exitCode = summary.run.state === 'success' ? 0 : 1;
} finally {
  await emulator.stop();
}
