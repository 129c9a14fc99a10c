import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleFireInput } from '../../lib/dag-sync/dag-schedules.ts';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import type { FailedEventMessage } from '../../lib/runs/failed-events.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { deployTriggerLambda } from '../helpers/trigger-lambda.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';
import { zipPackage } from './lambda-package.ts';

/**
 * `airstep trigger` as a child process against MiniStack, which runs Node Lambda code: the trigger Lambda is
 * `lambdas/trigger/index.ts` bundled with esbuild and deployed as a function, so the CLI's Invoke reaches the
 * very handler the schedules invoke, and that handler starts executions on MiniStack's Step Functions and writes
 * the runs table. (moto runs no Lambda code.)
 */
const region = 'us-east-1';
const FUNCTION = 'airstep-trigger';
let ministack: RunningEmulator;
let sfn: SFNClient;
let sqs: SQSClient;
let failedEventsUrl: string;
let triggerArn: string;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let scratch: string;
let outputsFile: string;
let confFile: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(ministack.endpoint);

const deployDag = (dagId: string, options: Partial<DagRecord> = {}) =>
  deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, {
    params: { limit: { type: 'integer', default: 10, minimum: 1 } },
    ...options,
  });
const runItem = async (dagId: string, runId: string) =>
  (
    await dynamo().send(
      new GetItemCommand({
        TableName: tables.runs,
        Key: { dagId: { S: dagId }, runId: { S: runId } },
        ConsistentRead: true,
      }),
    )
  ).Item;
const executionNames = async (record: DagRecord) =>
  ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? []).map(
    (execution) => execution.name,
  );

let report: DagRecord;
let queue: DagRecord;

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  sqs = new SQSClient(clientConfig);
  tables = await createStackTables(dynamo(), 'cli');
  failedEventsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'airstep-failed-events' }))).QueueUrl!;
  report = await deployDag('daily_report');
  queue = await deployDag('one_at_a_time', { maxActiveRuns: 1 });
  await deployDag('retired', { disabled: true });

  const { functionArn, lambda } = await deployTriggerLambda(ministack, {
    tables,
    failedEventsQueueUrl: failedEventsUrl,
    functionName: FUNCTION,
  });
  triggerArn = functionArn;
  // A function that fails, for what the CLI says when the trigger itself breaks.
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'airstep-broken-trigger',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/airstep-trigger',
      Code: {
        ZipFile: zipPackage({
          'index.mjs': Buffer.from("export const handler = async () => { throw new Error('tables unreachable'); };"),
        }),
      },
    }),
  );

  scratch = await mkdtemp(join(tmpdir(), 'airstep-cli-trigger-'));
  outputsFile = join(scratch, 'cdk-outputs.json');
  await writeFile(outputsFile, JSON.stringify({ AirstepStack: stackOutputs(tables, FUNCTION) }, null, 2));
  confFile = join(scratch, 'conf.json');
  await writeFile(confFile, JSON.stringify({ limit: 3 }));
  cli = (...args) => airstep(ministack.env, ...args);
}, 180_000);

afterAll(async () => {
  await ministack?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('Command: airstep trigger --outputs (MiniStack runs the trigger Lambda)', () => {
  it('starts a run named by its run id; the same trigger again is a duplicate and starts nothing', async () => {
    const runId = 'manual__2026-11-20T00:00:00+00:00';
    const first = await cli(
      'trigger',
      'daily_report',
      '--date',
      '2026-11-20',
      '--conf',
      '{"limit":5}',
      '--outputs',
      outputsFile,
    );
    expect([first.code, first.stderr]).toEqual([0, '']);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toBe(`started daily_report › ${runId}`);
    expect(lines[1]).toMatch(
      /^ {2}execution arn:aws:states:us-east-1:\d+:execution:airstep-daily_report:manual__2026-11-20T00_00_00_00_00$/,
    );
    const executionArn = lines[1]!.slice('  execution '.length);
    // Its Step Functions console page: the AWS form, from the ARN's region (harmless with an emulator's ARN).
    expect(lines.slice(2)).toEqual([
      `  console https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn}`,
      '',
    ]);

    const again = await cli(
      'trigger',
      'daily_report',
      '--date',
      '2026-11-20T00:00:00Z',
      '--outputs',
      outputsFile,
      '--json',
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      dagId: 'daily_report',
      outcome: 'duplicate',
      runId,
      executionName: 'manual__2026-11-20T00_00_00_00_00',
      state: 'running',
      executionArn,
      consoleUrl: `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn}`,
    });
    expect(await executionNames(report)).toEqual(['manual__2026-11-20T00_00_00_00_00']);
    const run = await runItem('daily_report', runId);
    expect([run?.state?.S, run?.runType?.S, run?.executionArn?.S]).toEqual(['running', 'manual', executionArn]);
  });

  it('takes --conf from a file, and the run carries it', async () => {
    const { code, stdout } = await cli(
      'trigger',
      'daily_report',
      '--date',
      '2026-11-21',
      '--conf',
      `@${confFile}`,
      '--outputs',
      outputsFile,
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { outcome: string; runId: string; executionArn: string };
    expect([result.outcome, result.runId]).toEqual(['started', 'manual__2026-11-21T00:00:00+00:00']);
    const input = (await sfn.send(new DescribeExecutionCommand({ executionArn: result.executionArn }))).input!;
    const { ctx } = JSON.parse(input) as { ctx: { conf: unknown; params: unknown; ds: string } };
    expect([ctx.conf, ctx.params, ctx.ds]).toEqual([{ limit: 3 }, { limit: 3 }, '2026-11-21']);
  });

  it('refuses conf that fails the params schema, naming the field; exit 2 and no run', async () => {
    const { code, stdout, stderr } = await cli(
      'trigger',
      'daily_report',
      '--date',
      '2026-11-19',
      '--conf',
      '{"limit":0}',
      '--outputs',
      outputsFile,
    );
    expect([code, stdout]).toEqual([2, '']);
    const lines = stderr.split('\n');
    expect(lines[0]).toBe('refused daily_report: no run created');
    expect(lines[1]).toMatch(/^ {2}dag daily_report › params\.limit: .*(>=|at least|greater).*1/i);
    expect(lines.slice(2)).toEqual(['']);
    expect(await runItem('daily_report', 'manual__2026-11-19T00:00:00+00:00')).toBeUndefined();
    expect(await executionNames(report)).not.toContain('manual__2026-11-19T00_00_00_00_00');
  });

  it('refuses an unknown DAG and a disabled one (exit 2); --json prints each problem', async () => {
    const [unknown, disabled] = await Promise.all([
      cli('trigger', 'nope', '--outputs', outputsFile, '--json'),
      cli('trigger', 'retired', '--outputs', outputsFile),
    ]);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toEqual({
      dagId: 'nope',
      outcome: 'refused',
      code: 'UNKNOWN_DAG',
      problems: ["no DAG 'nope' is deployed"],
    });
    expect([disabled.code, disabled.stderr]).toEqual([
      2,
      'refused retired: no run created\n  DAG retired is disabled (its file was deleted)\n',
    ]);
  });

  it('queues a run while maxActiveRuns runs are active (exit 0)', async () => {
    const started = await cli('trigger', 'one_at_a_time', '--date', '2026-11-20', '--outputs', outputsFile);
    expect(started.code).toBe(0);
    const queued = await cli('trigger', 'one_at_a_time', '--date', '2026-11-21', '--outputs', outputsFile);
    expect([queued.code, queued.stdout]).toEqual([
      0,
      'queued one_at_a_time › manual__2026-11-21T00:00:00+00:00: 1 run(s) active (maxActiveRuns); it starts when one ends\n',
    ]);
    expect(await executionNames(queue)).toEqual(['manual__2026-11-20T00_00_00_00_00']);
    expect((await runItem('one_at_a_time', 'manual__2026-11-21T00:00:00+00:00'))?.state?.S).toBe('queued');
  });

  it('refuses bad input before invoking anything (exit 2)', async () => {
    // An outputs file naming a function that does not exist: a command that invoked it would say so instead.
    const nowhere = join(scratch, 'nowhere.json');
    await writeFile(nowhere, JSON.stringify({ AirstepStack: stackOutputs(tables, 'no-such-function') }));
    const [badJson, notObject, badDate, missingFile, noFunction] = await Promise.all([
      cli('trigger', 'daily_report', '--conf', '{"limit":', '--outputs', nowhere),
      cli('trigger', 'daily_report', '--conf', '[1]', '--outputs', nowhere, '--json'),
      cli('trigger', 'daily_report', '--date', 'yesterday', '--outputs', nowhere),
      cli('trigger', 'daily_report', '--conf', `@${join(scratch, 'missing.json')}`, '--outputs', nowhere),
      cli('trigger', 'daily_report', '--outputs', nowhere),
    ]);
    expect([badJson.code, badJson.stderr]).toEqual([2, expect.stringMatching(/^--conf: .*JSON.*\n$/)]);
    expect([notObject.code, JSON.parse(notObject.stdout)]).toEqual([
      2,
      { ok: false, error: '--conf must be a JSON object' },
    ]);
    expect([badDate.code, badDate.stderr]).toEqual([2, "--date: 'yesterday' is not an ISO 8601 date or date-time\n"]);
    expect([missingFile.code, missingFile.stderr]).toEqual([
      2,
      expect.stringMatching(/^--conf: ENOENT.*missing\.json/),
    ]);
    expect(noFunction.code).toBe(1);
    expect(noFunction.stderr).toMatch(/^cannot invoke no-such-function: ResourceNotFoundException: /);
  });

  it('exit 1 when the trigger function fails; without --stack or --outputs it looks for the stack AirstepStack', async () => {
    const broken = join(scratch, 'broken.json');
    await writeFile(broken, JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-broken-trigger') }));
    const [failed, noStack] = await Promise.all([
      cli('trigger', 'daily_report', '--outputs', broken),
      cli('trigger', 'daily_report'),
    ]);
    expect([failed.code, failed.stdout]).toEqual([1, '']);
    // AWS names the error by its class (`Error`); MiniStack says `Runtime.HandlerError`.
    expect(failed.stderr).toMatch(
      /^airstep-broken-trigger failed \(Unhandled\): (Error|Runtime\.HandlerError): tables unreachable\n$/,
    );
    expect([noStack.code, noStack.stderr]).toEqual([
      2,
      expect.stringMatching(/^--stack AirstepStack: DescribeStacks in us-east-1 failed: .*AirstepStack.*\n$/),
    ]);
  });
});

describe("trigger Lambda on MiniStack, fired by MiniStack's EventBridge Scheduler", () => {
  it('writes a fire whose scheduled time the scheduler left unfilled to the failed-events queue with the reason; no run starts', async () => {
    // A one-time schedule due now, with the very input dag-sync gives a DAG's schedules. MiniStack 1.5.33 invokes
    // the function asynchronously (nobody reads its answer) and leaves `<aws.scheduler.scheduled-time>` as it is.
    const input = scheduleFireInput('daily_report');
    await new SchedulerClient({ endpoint: ministack.endpoint, region, credentials: emulatorCredentials }).send(
      new CreateScheduleCommand({
        Name: 'daily_report--unfilled',
        ScheduleExpression: `at(${new Date().toISOString().slice(0, 19)})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: triggerArn, RoleArn: 'arn:aws:iam::000000000000:role/airstep-scheduler', Input: input },
      }),
    );
    // MiniStack sweeps its schedules every 10 s; a generous deadline for a busy machine.
    const deadline = Date.now() + 120_000;
    const taken: FailedEventMessage[] = [];
    const fromSchedule = (body: FailedEventMessage) => (body.event as { kind?: string }).kind === 'scheduled';
    while (!taken.some(fromSchedule) && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: failedEventsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
      );
      taken.push(...Messages.map((m) => JSON.parse(m.Body!) as FailedEventMessage));
    }
    // The refusals `airstep trigger` got above (unknown, disabled DAG, bad conf) were answered, not queued.
    expect(taken.filter((body) => !fromSchedule(body))).toEqual([]);
    const [message] = taken.filter(fromSchedule);
    expect(message).toEqual({
      source: 'trigger',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      reason: {
        code: 'UNREADABLE_EVENT',
        message: expect.stringContaining('unfilled placeholder <aws.scheduler.scheduled-time>'),
        problems: [expect.stringContaining('unfilled placeholder <aws.scheduler.scheduled-time>')],
      },
      event: JSON.parse(input),
    });
    expect((await executionNames(report)).filter((name) => name?.startsWith('scheduled__'))).toEqual([]);
  }, 180_000);
});
