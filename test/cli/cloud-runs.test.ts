import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { fillPlaceholders } from '../../lib/compiler/fill-placeholders.ts';
import { type DagRecord, readDagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { type ExecutionStatusChange, recordExecution } from '../../lib/runs/record-execution.ts';
import { type TriggerEvent, triggerRun } from '../../lib/runs/trigger-run.ts';
import { manifestKey } from '../../lib/runtime/dag-bundle.ts';
import { dag } from '../../lib/sdk/index.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { byItem, nonRetryable, play, succeed } from '../differential/harness/behaviour.ts';
import { TestWorker } from '../differential/harness/test-worker.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { processGone, type SpawnedCli, spawnCli, waitFor } from '../helpers/spawned-cli.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';

/**
 * `airstep runs | tasks | list` with `--outputs` / `--stack`, as child processes, against moto's DynamoDB (and its
 * CloudFormation for `--stack`). The records are written by the trigger's and the recorder's own runtime
 * functions (`triggerRun`, `recordExecution`, `writeDagRecord`) against real state machines on moto, so the CLI
 * reads exactly the items the deployed Lambdas write.
 */
let moto: RunningEmulator;
let sfn: SFNClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let scratch: string;
let outputsFile: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(moto.endpoint);

const deployDag = (dagId: string, definition: object, options: Partial<DagRecord> = {}) =>
  deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, { definition, ...options });

// Runs stay active while the test reads them.
const HOLD = { StartAt: 'hold', States: { hold: { Type: 'Wait', Seconds: 60, End: true } } };
// Records two task results, then fails as a compiled DAG does when a task failed.
const FAILING = {
  StartAt: 'extract',
  States: {
    extract: {
      Type: 'Pass',
      Result: { state: 'failed', error: { Error: 'Boom', Cause: 'bad row' }, try: 2 },
      ResultPath: '$.tasks.extract',
      Next: 'load',
    },
    load: { Type: 'Pass', Result: { state: 'upstream_failed' }, ResultPath: '$.tasks.load', Next: 'fail' },
    fail: { Type: 'Fail', Error: 'DagRunFailed' },
  },
};

// A compiled DAG with a mapped task (a chain: moto cannot merge Parallel branches). Its worker is the test worker.
const mappedRows = dag({ id: 'mapped_rows' });
const rows = mappedRows.task('list', async () => [] as string[]);
const eachRow = mappedRows.expand('each', { over: rows }, async (_ctx, row: string) => row);
mappedRows.task('combine', { inputs: { eachRow } }, async () => null);
const MAPPED_BEHAVIOUR = { list: succeed(['a', 'b', 'c']), each: byItem({ 1: nonRetryable() }) };

/** Deploys mapped_rows with its queues, as dag-sync fills a compiled DAG; the worker answers its messages. */
async function deployMappedRows(sqs: SQSClient): Promise<TestWorker> {
  const queue = async (name: string) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: `mapped-rows-${name}` }))).QueueUrl!;
  const controlQueue = await queue('control');
  const taskQueue = await queue('default');
  const definition = fillPlaceholders(compileDag(mappedRows).asl!, {
    dagVersion: 'v1',
    controlQueueUrl: controlQueue,
    taskQueueUrls: { default: taskQueue },
  });
  await deployDag('mapped_rows', JSON.parse(definition) as object);
  return new TestWorker({
    sqs,
    sfn,
    taskQueues: [taskQueue],
    controlQueue,
    keyOf: (taskId) => taskId,
    run: (message, heartbeat) =>
      play(MAPPED_BEHAVIOUR[message.taskId as keyof typeof MAPPED_BEHAVIOUR] ?? succeed(), message, {
        dag: mappedRows,
        callIndex: 0,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        heartbeat,
        heartbeatEveryMs: () => undefined,
      }),
  });
}

async function trigger(event: TriggerEvent, now: string): Promise<string> {
  const result = await triggerRun(event, tables, new Date(now), { dynamo: dynamo(), sfn });
  if (result.outcome !== 'started' && result.outcome !== 'queued') throw new Error(JSON.stringify(result));
  return result.outcome === 'started' ? result.executionArn : '';
}

async function ended(executionArn: string) {
  for (let i = 0; i < 200; i++) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${executionArn} did not end`);
}

let results: Record<string, CliRun>;

beforeAll(async () => {
  moto = await startEmulator('moto');
  // recordExecution's own SFN and SNS clients read the endpoint from the environment.
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
  tables = await createStackTables(dynamo(), 'cli');
  const recorder = { dynamo: dynamo(), tables, alertsTopicArn: topicArn, region: 'us-east-1', sfn, sns };

  await deployDag('daily_report', HOLD, { params: { limit: { type: 'integer', default: 10, minimum: 1 } } });
  await deployDag('nightly', FAILING);
  await deployDag('one_at_a_time', HOLD, { maxActiveRuns: 1 });
  await deployDag('retired', HOLD, {
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    dagVersion: 'c0ffee',
    disabled: true,
  });

  // A run that succeeded: its status change carries the final payload, as EventBridge delivers it.
  const succeeded = await trigger(
    { kind: 'manual', dagId: 'daily_report', logicalDate: '2026-11-20T00:00:00Z' },
    '2026-11-22T08:00:00Z',
  );
  const input = (await sfn.send(new DescribeExecutionCommand({ executionArn: succeeded }))).input!;
  const success: ExecutionStatusChange = {
    executionArn: succeeded,
    stateMachineArn: succeeded.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
    name: 'manual__2026-11-20T00_00_00_00_00',
    status: 'SUCCEEDED',
    startDate: Date.parse('2026-11-22T08:00:00Z'),
    stopDate: Date.parse('2026-11-22T08:03:10Z'),
    input,
    output: JSON.stringify({
      ...JSON.parse(input),
      tasks: {
        extract: { state: 'success', try: 1 },
        transform: { state: 'success', try: 2 },
        load: { state: 'skipped' },
      },
    }),
  };
  await recordExecution(success, recorder);
  await trigger({ kind: 'manual', dagId: 'daily_report', logicalDate: '2026-11-21T00:00:00Z' }, '2026-11-22T09:00:00Z');

  // A run that failed: the recorder reads its last payload from the execution history.
  const recordEnded = async (executionArn: string) => {
    const described = await ended(executionArn);
    await recordExecution(
      {
        executionArn,
        stateMachineArn: described.stateMachineArn!,
        name: described.name!,
        status: described.status as ExecutionStatusChange['status'],
        startDate: described.startDate!.getTime(),
        stopDate: described.stopDate!.getTime(),
        input: described.input!,
        output: described.output ?? null,
        error: described.error ?? null,
        cause: described.cause ?? null,
      },
      recorder,
    );
  };
  await recordEnded(
    await trigger(
      { kind: 'scheduled', dagId: 'nightly', scheduledTime: '2026-11-24T00:00:00Z' },
      '2026-11-24T00:00:05Z',
    ),
  );
  // A compiled DAG whose mapped task had one of its three items fail: the recorder reads the items from the history.
  const sqs = new SQSClient(clientConfig);
  const worker = await deployMappedRows(sqs);
  try {
    await recordEnded(
      await trigger(
        { kind: 'manual', dagId: 'mapped_rows', logicalDate: '2026-11-19T00:00:00Z' },
        '2026-11-22T07:00:00Z',
      ),
    );
  } finally {
    await worker.stop();
    sqs.destroy();
  }
  // mapped_rows' manifest where dag-sync stores it: `list --json` and `airstep ui` read its tasks from it. The
  // other DAGs have none (a record written by hand), which `list` reports as the reason their graph is empty.
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'airstep-bucket' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'airstep-bucket',
      Key: manifestKey('mapped_rows', 'v1'),
      Body: JSON.stringify(compileDag(mappedRows).manifest),
    }),
  );
  s3.destroy();

  // maxActiveRuns 1: the second run waits in the queue.
  await trigger(
    { kind: 'manual', dagId: 'one_at_a_time', logicalDate: '2026-11-20T00:00:00Z' },
    '2026-11-22T10:00:00Z',
  );
  await trigger(
    { kind: 'manual', dagId: 'one_at_a_time', logicalDate: '2026-11-21T00:00:00Z' },
    '2026-11-22T10:00:01Z',
  );

  // An import error as dag-sync records it (dag-sync.ts, recordImportError): the file's messages as a JSON list.
  await dynamo().send(
    new PutItemCommand({
      TableName: tables.importErrors,
      Item: {
        file: { S: 'dags/broken.ts' },
        errors: { S: JSON.stringify(["dags/broken.ts › import failed: Unexpected token '}'"]) },
        at: { S: '2026-11-22T07:00:00.000Z' },
      },
    }),
  );

  scratch = await mkdtemp(join(tmpdir(), 'airstep-cli-cloud-'));
  outputsFile = join(scratch, 'cdk-outputs.json');
  await writeFile(outputsFile, JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-trigger') }, null, 2));
  const partial = join(scratch, 'old-outputs.json');
  await writeFile(partial, JSON.stringify({ AirstepStack: { BucketName: 'b', RunsTableName: tables.runs } }));
  // `--stack`: the same outputs, from a CloudFormation stack on moto.
  const template = {
    Resources: { Placeholder: { Type: 'AWS::SQS::Queue' } },
    Outputs: Object.fromEntries(
      Object.entries(stackOutputs(tables, 'airstep-trigger')).map(([key, value]) => [key, { Value: value }]),
    ),
  };
  const cloudFormation = new CloudFormationClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  });
  await cloudFormation.send(
    new CreateStackCommand({ StackName: 'AirstepStack', TemplateBody: JSON.stringify(template) }),
  );
  cloudFormation.destroy();

  cli = (...args) => airstep(moto.env, ...args);
  const commands = {
    runs: ['runs', '--outputs', outputsFile],
    runsOfDag: ['runs', 'daily_report', '--outputs', outputsFile],
    runsJson: ['runs', 'daily_report', '--outputs', outputsFile, '--json'],
    runsByStack: ['runs', 'daily_report', '--stack', 'AirstepStack'],
    runsNoStack: ['runs', '--stack', 'NoSuchStack'],
    runsOldOutputs: ['runs', '--outputs', partial],
    tasksSucceeded: ['tasks', 'manual__2026-11-20', '--dag', 'daily_report', '--outputs', outputsFile],
    tasksFailed: ['tasks', 'scheduled__2026-11-23T00:00:00+00:00', '--outputs', outputsFile],
    tasksFailedJson: ['tasks', 'scheduled__', '--outputs', outputsFile, '--json'],
    tasksMapped: ['tasks', 'manual__2026-11-19T00:00:00+00:00', '--outputs', outputsFile],
    tasksMappedJson: ['tasks', 'manual__2026-11-19', '--dag', 'mapped_rows', '--stack', 'AirstepStack', '--json'],
    tasksRunning: ['tasks', 'manual__2026-11-21T00:00:00+00:00', '--dag', 'daily_report', '--outputs', outputsFile],
    tasksAmbiguous: ['tasks', 'manual__2026-11-20', '--outputs', outputsFile],
    tasksUnknown: ['tasks', 'manual__1999', '--outputs', outputsFile],
    list: ['list', '--outputs', outputsFile],
    listJson: ['list', '--stack', 'AirstepStack', '--json'],
    listPaths: ['list', 'dags', '--outputs', outputsFile],
  } as const;
  const ran = await Promise.all(Object.values(commands).map((args) => cli(...args)));
  results = Object.fromEntries(Object.keys(commands).map((name, index) => [name, ran[index]!]));
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/**
 * A Step Functions console link (`  https://…/executions/details/<execution ARN>` ending a run line, or the
 * `  console <url>` line of `tasks`) as `  <console <execution name>>`: the account in the ARN is the emulator's.
 * The link's full form is asserted on its own.
 */
const CONSOLE_LINK =
  / {2}(?:console )?https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=us-east-1#\/v2\/executions\/details\/arn:aws:states:us-east-1:\d{12}:execution:[^:\s]+:(\S+)/g;
const linksNamed = (stdout: string) => stdout.replace(CONSOLE_LINK, '  <console $1>');

const RUN_LINES = {
  nightly:
    'nightly  scheduled__2026-11-23T00:00:00+00:00  failed  2026-11-24T00:00:05.000Z  <console scheduled__2026-11-23T00_00_00_00_00>',
  // A queued run has no execution yet, so no link.
  queued: 'one_at_a_time  manual__2026-11-21T00:00:00+00:00  queued  -',
  oneRunning:
    'one_at_a_time  manual__2026-11-20T00:00:00+00:00  running  2026-11-22T10:00:00.000Z  <console manual__2026-11-20T00_00_00_00_00>',
  dailyRunning:
    'daily_report  manual__2026-11-21T00:00:00+00:00  running  2026-11-22T09:00:00.000Z  <console manual__2026-11-21T00_00_00_00_00>',
  dailySucceeded:
    'daily_report  manual__2026-11-20T00:00:00+00:00  success  2026-11-22T08:00:00.000Z  <console manual__2026-11-20T00_00_00_00_00>',
  mapped:
    'mapped_rows  manual__2026-11-19T00:00:00+00:00  failed  2026-11-22T07:00:00.000Z  <console manual__2026-11-19T00_00_00_00_00>',
};

describe('Command: airstep runs --outputs / --stack', () => {
  it('lists the runs of every deployed DAG, newest first, a queued run without a start', () => {
    const { code, stdout, stderr } = results.runs!;
    expect([code, stderr]).toEqual([0, '']);
    expect(linksNamed(stdout).split('\n')).toEqual([
      RUN_LINES.nightly,
      RUN_LINES.queued,
      RUN_LINES.oneRunning,
      RUN_LINES.dailyRunning,
      RUN_LINES.dailySucceeded,
      RUN_LINES.mapped,
      '',
    ]);
  });

  it('lists the runs of one DAG; --json prints the run items', () => {
    expect(linksNamed(results.runsOfDag!.stdout)).toBe(`${RUN_LINES.dailyRunning}\n${RUN_LINES.dailySucceeded}\n`);
    expect(results.runsJson!.code).toBe(0);
    const { runs } = JSON.parse(results.runsJson!.stdout) as { runs: Array<Record<string, string>> };
    // Each run's console page is its execution's (the AWS form, also for an emulator's ARN).
    for (const run of runs) {
      expect(run.consoleUrl).toBe(
        `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${run.executionArn}`,
      );
    }
    expect(
      runs.map(({ executionArn, consoleUrl: _, ...run }) => ({
        ...run,
        executionArn: executionArn!.split(':').at(-1),
      })),
    ).toEqual([
      {
        dagId: 'daily_report',
        runId: 'manual__2026-11-21T00:00:00+00:00',
        state: 'running',
        runType: 'manual',
        logicalDate: '2026-11-21T00:00:00+00:00',
        dagVersion: 'v1',
        executionArn: 'manual__2026-11-21T00_00_00_00_00',
        startedAt: '2026-11-22T09:00:00.000Z',
        triggeredAt: '2026-11-22T09:00:00.000Z',
      },
      {
        dagId: 'daily_report',
        runId: 'manual__2026-11-20T00:00:00+00:00',
        state: 'success',
        runType: 'manual',
        logicalDate: '2026-11-20T00:00:00+00:00',
        dagVersion: 'v1',
        executionArn: 'manual__2026-11-20T00_00_00_00_00',
        startedAt: '2026-11-22T08:00:00.000Z',
        endedAt: '2026-11-22T08:03:10.000Z',
        triggeredAt: '2026-11-22T08:00:00.000Z',
      },
    ]);
  });

  it('--stack reads the table names from the CloudFormation stack; an unknown stack is named', () => {
    expect(results.runsByStack).toEqual(results.runsOfDag);
    const { code, stdout, stderr } = results.runsNoStack!;
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(
      /^--stack NoSuchStack: DescribeStacks in us-east-1 failed: Stack with id NoSuchStack does not exist\n$/,
    );
  });

  it('names the outputs a stack deployed before them lacks', () => {
    const { code, stderr } = results.runsOldOutputs!;
    expect(code).toBe(2);
    expect(stderr).toBe(
      `${join(scratch, 'old-outputs.json')} › AirstepStack: no output DagsTableName, TaskInstancesTableName, ` +
        'ImportErrorsTableName, TriggerFunctionName, WorkerLogGroupName, FargateWorkerLogGroupName, ContainerLogGroupName, ' +
        'ScheduleGroupName (a stack deployed before these outputs existed: run cdk deploy again)\n',
    );
  });
});

describe('Command: airstep tasks --outputs', () => {
  it('prints the grid of a run the recorder recorded (found by a prefix of its id within --dag)', () => {
    const { code, stdout, stderr } = results.tasksSucceeded!;
    expect([code, stderr]).toEqual([0, '']);
    expect(linksNamed(stdout)).toBe(
      [
        'daily_report › manual__2026-11-20T00:00:00+00:00 (success)',
        '  <console manual__2026-11-20T00_00_00_00_00>',
        'task       state    tries  start  duration',
        'extract    success  1      -      -',
        'load       skipped  0      -      -',
        'transform  success  2      -      -',
        '',
      ].join('\n'),
    );
  });

  it('finds a run id across the deployed DAGs and names each failed task with its error', () => {
    expect(results.tasksFailed!.code).toBe(0);
    expect(linksNamed(results.tasksFailed!.stdout)).toBe(
      [
        'nightly › scheduled__2026-11-23T00:00:00+00:00 (failed)',
        '  <console scheduled__2026-11-23T00_00_00_00_00>',
        'task     state            tries  start  duration  reason',
        'extract  failed           2      -      -         Boom: bad row',
        'load     upstream_failed  0      -      -',
        'extract: Boom: bad row',
        '',
      ].join('\n'),
    );
    const { run, tasks } = JSON.parse(results.tasksFailedJson!.stdout) as {
      run: { dagId: string; runId: string; state: string };
      tasks: unknown[];
    };
    expect([run.dagId, run.runId, run.state]).toEqual(['nightly', 'scheduled__2026-11-23T00:00:00+00:00', 'failed']);
    expect(tasks).toEqual([
      {
        taskId: 'extract',
        mapIndex: -1,
        state: 'failed',
        tries: 2,
        error: 'Boom',
        errorMessage: 'Boom: bad row',
        final: true,
      },
      { taskId: 'load', mapIndex: -1, state: 'upstream_failed', final: true },
    ]);
  });

  it('shows each instance of a mapped task with its map index after the task, and names the item that failed', () => {
    const { code, stdout, stderr } = results.tasksMapped!;
    expect([code, stderr]).toEqual([0, '']);
    expect(linksNamed(stdout)).toBe(
      [
        'mapped_rows › manual__2026-11-19T00:00:00+00:00 (failed)',
        '  <console manual__2026-11-19T00_00_00_00_00>',
        'task     state            tries  start  duration  reason',
        'combine  upstream_failed  0      -      -',
        'each     failed           0      -      -         MappedItemFailed: one or more items failed',
        'each[0]  success          1      -      -',
        'each[1]  failed           1      -      -         NonRetryableError',
        'each[2]  success          1      -      -',
        'list     success          1      -      -',
        'each: MappedItemFailed: one or more items failed',
        'each[1]: NonRetryableError',
        '',
      ].join('\n'),
    );
    const { tasks } = JSON.parse(results.tasksMappedJson!.stdout) as { tasks: unknown[] };
    expect(tasks).toEqual([
      { taskId: 'combine', mapIndex: -1, state: 'upstream_failed', final: true },
      {
        taskId: 'each',
        mapIndex: -1,
        state: 'failed',
        error: 'MappedItemFailed',
        errorMessage: 'MappedItemFailed: one or more items failed',
        final: true,
      },
      { taskId: 'each', mapIndex: 0, state: 'success', tries: 1, final: true },
      { taskId: 'each', mapIndex: 1, state: 'failed', tries: 1, error: 'NonRetryableError', final: true },
      { taskId: 'each', mapIndex: 2, state: 'success', tries: 1, final: true },
      { taskId: 'list', mapIndex: -1, state: 'success', tries: 1, final: true },
    ]);
  });

  it('prints the run’s console link under its name, and says where to look while it has no task records yet', () => {
    const lines = results.tasksRunning!.stdout.split('\n');
    expect(lines[0]).toBe('daily_report › manual__2026-11-21T00:00:00+00:00 (running)');
    expect(lines[1]).toMatch(
      /^ {2}console https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=us-east-1#\/v2\/executions\/details\/arn:aws:states:us-east-1:\d+:execution:airstep-daily_report:manual__2026-11-21T00_00_00_00_00$/,
    );
    expect(lines.slice(2)).toEqual([
      'task  state  tries  start  duration',
      'no task has started on a worker yet; see its console page',
      '',
    ]);
  });

  it('refuses a prefix that several runs share, and a run that does not exist (exit 2)', () => {
    expect(results.tasksAmbiguous!.code).toBe(2);
    expect(results.tasksAmbiguous!.stderr).toBe(
      `'manual__2026-11-20' matches 2 runs of ${outputsFile} › AirstepStack: ` +
        'daily_report › manual__2026-11-20T00:00:00+00:00, one_at_a_time › manual__2026-11-20T00:00:00+00:00; ' +
        'give the whole run id, or --dag\n',
    );
    expect(results.tasksUnknown!.code).toBe(2);
    expect(results.tasksUnknown!.stderr).toBe(
      `no run 'manual__1999' of ${outputsFile} › AirstepStack (see airstep runs)\n`,
    );
  });
});

describe('Command: airstep list --outputs / --stack', () => {
  it('lists the deployed DAGs (disabled ones too) with their newest run and next run, and the import errors dag-sync recorded; exit 1', () => {
    const { code, stdout } = results.list!;
    expect(code).toBe(1);
    // The next run depends on today: its time is replaced by one of the same width.
    expect(stdout.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/g, '<next run>               ')).toBe(
      [
        'dag_id         schedule  version  state     last_run  next_run                   file',
        'daily_report   @daily    v1       live      running   <next run>                 dags/daily_report.ts',
        'mapped_rows    @daily    v1       live      failed    <next run>                 dags/mapped_rows.ts',
        'nightly        @daily    v1       live      failed    <next run>                 dags/nightly.ts',
        'one_at_a_time  @daily    v1       live      queued    <next run>                 dags/one_at_a_time.ts',
        'retired        manual    c0ffee   disabled  -         -                          dags/retired.ts',
        "import error: dags/broken.ts › import failed: Unexpected token '}'",
        '',
      ].join('\n'),
    );
  });

  it('--json prints the DAG records and import errors', () => {
    const { code, stdout } = results.listJson!;
    expect(code).toBe(1);
    const listed = JSON.parse(stdout) as { dags: Array<Record<string, unknown>>; importErrors: unknown[] };
    expect(listed.dags.map((dag) => [dag.dagId, dag.schedule, dag.version, dag.disabled])).toEqual([
      ['daily_report', '@daily', 'v1', false],
      ['mapped_rows', '@daily', 'v1', false],
      ['nightly', '@daily', 'v1', false],
      ['one_at_a_time', '@daily', 'v1', false],
      ['retired', null, 'c0ffee', true],
    ]);
    // The live version's tasks, from its stored manifest; a version without one says why its graph is empty.
    const mapped = listed.dags.find((dag) => dag.dagId === 'mapped_rows') as {
      graph: { tasks: Array<Record<string, unknown>>; groups: string[] };
      params: object;
      graphProblem?: string;
    };
    expect(mapped.graph.tasks.map((task) => [task.id, task.upstream, task.mapped, task.compute])).toEqual([
      ['combine', ['each'], false, 'lambda'],
      ['each', ['list'], true, 'lambda'],
      ['list', [], false, 'lambda'],
    ]);
    expect([mapped.graph.groups, mapped.params, mapped.graphProblem]).toEqual([[], {}, undefined]);
    const daily = listed.dags.find((dag) => dag.dagId === 'daily_report')!;
    expect([daily.graph, daily.graphProblem]).toEqual([
      { tasks: [], groups: [] },
      'no manifest stored for daily_report@v1 in s3://airstep-bucket',
    ]);
    expect(listed.importErrors).toEqual([
      {
        file: 'dags/broken.ts',
        errors: ["dags/broken.ts › import failed: Unexpected token '}'"],
        at: '2026-11-22T07:00:00.000Z',
      },
    ]);
  });

  it('refuses paths with --outputs (it lists what is deployed)', () => {
    expect(results.listPaths!.code).toBe(2);
    expect(results.listPaths!.stderr).toBe(
      'list --stack / --outputs lists the deployed DAGs; it takes no paths (got dags)\n',
    );
  });
});

describe('airstep ui --outputs: the deployed stack through the page API', () => {
  // The server as a user starts it; its API read the way the page reads it (the browser flow against a deployed
  // stack is in test/e2e/stack-local.test.ts). The AWS credentials stay in the server: no answer carries them.
  let ui: SpawnedCli | undefined;
  let base: URL;
  const get = async (path: string) => {
    const response = await fetch(new URL(path, base), {
      headers: { 'x-airstep-token': base.searchParams.get('token')! },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    ui = spawnCli(process.cwd(), moto.env, 'ui', '--outputs', outputsFile);
    const printed = await waitFor(
      () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(ui!.stdout()) ?? undefined,
      'the UI address',
      60_000,
    );
    base = new URL(printed[1]!);
  }, 90_000);

  afterAll(async () => {
    if (ui !== undefined && !processGone(ui.pid)) {
      process.kill(ui.pid, 'SIGINT');
      await ui.exited;
    }
  });

  it('lists the live deployed DAGs (not the disabled one) with their newest runs and the import errors', async () => {
    const { status, body } = await get('/api/dags');
    expect(status).toBe(200);
    expect(body.source).toBe(`${outputsFile} › AirstepStack`);
    const dags = body.dags as Array<{ dagId: string; recentRuns: Array<{ state: string }>; tasks: unknown[] }>;
    expect(dags.map((dag) => [dag.dagId, dag.recentRuns.map((run) => run.state)])).toEqual([
      ['daily_report', ['running', 'success']],
      ['mapped_rows', ['failed']],
      ['nightly', ['failed']],
      ['one_at_a_time', ['queued', 'running']],
    ]);
    expect(body.importErrors).toEqual([{ file: 'dags/broken.ts', message: "import failed: Unexpected token '}'" }]);
    expect(JSON.stringify(body)).not.toContain(emulatorCredentials.secretAccessKey);
  });

  it("answers the grid of a mapped DAG from its manifest's tasks and the recorder's records, with console links", async () => {
    const { status, body } = await get('/api/dags/mapped_rows/grid');
    expect(status).toBe(200);
    const runs = body.runs as Array<{ runId: string; state: string; consoleUrl?: string }>;
    expect(runs.map((run) => [run.runId, run.state])).toEqual([['manual__2026-11-19T00:00:00+00:00', 'failed']]);
    expect(runs[0]!.consoleUrl).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=/);
    // Upstream first, as the grid's rows go.
    expect((body.dag as { tasks: Array<{ id: string }> }).tasks.map((task) => task.id)).toEqual([
      'list',
      'each',
      'combine',
    ]);
    const instances = (body.instances as Record<string, Array<{ taskId: string; mapIndex: number; state: string }>>)[
      runs[0]!.runId
    ]!;
    expect(instances.map((task) => [task.taskId, task.mapIndex, task.state])).toEqual([
      ['combine', -1, 'upstream_failed'],
      ['each', -1, 'failed'],
      ['each', 0, 'success'],
      ['each', 1, 'failed'],
      ['each', 2, 'success'],
      ['list', -1, 'success'],
    ]);
  });

  it("gives each task instance what it returned, from the execution's history (the tables keep no results)", async () => {
    const { body } = await get(`/api/dags/mapped_rows/runs/${encodeURIComponent('manual__2026-11-19T00:00:00+00:00')}`);
    const instances = body.instances as Array<{ taskId: string; mapIndex: number; output?: unknown }>;
    expect(instances.map((task) => [task.taskId, task.mapIndex, task.output])).toEqual([
      ['combine', -1, undefined],
      ['each', -1, ['each[0] done', null, 'each[2] done']],
      ['each', 0, 'each[0] done'],
      // The failed item returned nothing.
      ['each', 1, undefined],
      ['each', 2, 'each[2] done'],
      ['list', -1, ['a', 'b', 'c']],
    ]);
  });

  it('answers one run by its whole id only, and 404 for a run or DAG that is not deployed', async () => {
    const run = await get(`/api/dags/daily_report/runs/${encodeURIComponent('manual__2026-11-20T00:00:00+00:00')}`);
    expect(run.status).toBe(200);
    expect((run.body.run as { state: string }).state).toBe('success');
    expect((await get('/api/dags/daily_report/runs/manual__2026-11-20')).status).toBe(404);
    expect((await get('/api/dags/retired/grid')).status).toBe(404);
  });

  it('pauses a deployed DAG through `airstep pause --outputs`: the record says so, and the next listing too', async () => {
    const response = await fetch(new URL('/api/dags/nightly/pause', base), {
      method: 'POST',
      headers: { 'x-airstep-token': base.searchParams.get('token')!, 'content-type': 'application/json' },
      body: JSON.stringify({ paused: true }),
    });
    const answer = (await response.json()) as { ok: boolean; error?: string };
    expect([response.status, answer.ok, answer.error]).toEqual([200, true, undefined]);
    expect((await readDagRecord(dynamo(), tables.dags, 'nightly'))?.pausedAt).toBeDefined();
    const dags = (await get('/api/dags')).body.dags as Array<{ dagId: string; paused: boolean; nextRun: unknown }>;
    expect(dags.find((dag) => dag.dagId === 'nightly')).toMatchObject({ paused: true, nextRun: null });
  });
});
