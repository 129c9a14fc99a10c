import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TaskMessage } from '../../lib/compiler/worker-contract.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { CloudTaskLogs, formatTaskLogLine } from '../../lib/runs/cloud-task-logs.ts';
import { recordExecution } from '../../lib/runs/record-execution.ts';
import { type TriggerEvent, triggerRun } from '../../lib/runs/trigger-run.ts';
import { STACK_OUTPUTS } from '../../lib/stack-contract/stack-outputs.ts';
import { type TaskLogTags, taskLogLine } from '../../lib/stack-contract/task-log-line.ts';
import { taskLogTagsOf } from '../../lib/worker/task-log-tags.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';

/**
 * `airstep logs --outputs` against moto: run records written by the trigger's and the recorder's own functions,
 * log lines as the workers write them (the Lambda worker's Powertools Logger with the tags it adds, the Fargate
 * worker's `taskLogLine`) put into the stack's two worker log groups with PutLogEvents (moto runs no Lambda code).
 * moto (like MiniStack 1.5.33) accepts the JSON filter pattern the reader sends but matches every line with it
 * (moto/logs/utils.py: a pattern not starting with a letter or a quote is `UnsupportedFilterPattern`): so these
 * tests prove the client-side check and paging; selecting by pattern is CloudWatch's part on AWS.
 */
let moto: RunningEmulator;
let sfn: SFNClient;
let logs: CloudWatchLogsClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let recorder: Parameters<typeof recordExecution>[1];
let scratch: string;
let outputsFile: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(moto.endpoint);
const outputs = stackOutputs({ dags: '', runs: '', taskInstances: '', importErrors: '' }, '');
const WORKER_GROUP = outputs[STACK_OUTPUTS.workerLogGroup]!;
const FARGATE_GROUP = outputs[STACK_OUTPUTS.fargateWorkerLogGroup]!;
const HOLD = { StartAt: 'hold', States: { hold: { Type: 'Wait', Seconds: 600, End: true } } };

/** What the Lambda worker's `log` writes for `message` (lambdas/worker/index.ts: Powertools, the message's tags). */
function lambdaWorkerLine(message: Partial<TaskMessage>, line: string): string {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    new Logger({ serviceName: 'airstep-worker' }).info(line, { ...taskLogTagsOf(message) });
  } finally {
    spy.mockRestore();
  }
  expect(written).toHaveLength(1);
  return written[0]!.trimEnd();
}

const taskMessage = (runId: string, taskId: string, retryCount: number, mapIndex = -1): Partial<TaskMessage> => ({
  kind: 'task',
  dagId: 'etl',
  taskId,
  retryCount,
  mapIndex,
  ctx: { runId } as TaskMessage['ctx'],
});

let stream = 0;
/** Puts lines into a new stream of `group` (one stream per worker container, as on AWS). */
async function put(group: string, events: Array<{ timestamp: number; message: string }>): Promise<void> {
  const logStreamName = `2026/12/06/[$LATEST]stream${stream++}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName }));
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName, logEvents: events }));
}

async function trigger(event: TriggerEvent, now: string): Promise<string> {
  const result = await triggerRun(event, tables, new Date(now), { dynamo: dynamo(), sfn });
  if (result.outcome !== 'started') throw new Error(JSON.stringify(result));
  return result.executionArn;
}

/** The recorder's write for a run that ended, with the tasks' final records (SUCCEEDED: it takes them from the event). */
async function recordEnd(executionArn: string, tasks: Record<string, unknown>): Promise<void> {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  await recordExecution(
    {
      executionArn,
      stateMachineArn: described.stateMachineArn!,
      name: described.name!,
      status: 'SUCCEEDED',
      startDate: described.startDate!.getTime(),
      stopDate: Date.now(),
      input: described.input!,
      output: JSON.stringify({ ...JSON.parse(described.input!), tasks }),
      error: null,
      cause: null,
    },
    recorder,
  );
}

const T0 = Date.now() - 60_000;
const ENDED_RUN = 'manual__2026-11-20T00:00:00+00:00';
const RUNNING_RUN = 'manual__2026-11-21T00:00:00+00:00';
const FOLLOWED_RUN = 'manual__2026-11-22T00:00:00+00:00';
const at = (ms: number, message: string) => ({ timestamp: T0 + ms, message });
const line = (ms: number, message: string, level = 'INFO') =>
  formatTaskLogLine({ ...tags(ENDED_RUN, 'extract', 1), timestamp: T0 + ms, level, message });
const tags = (runId: string, taskId: string, tryNumber: number, mapIndex = -1): TaskLogTags => ({
  dagId: 'etl',
  runId,
  taskId,
  mapIndex,
  tryNumber,
});

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const clientConfig = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  logs = new CloudWatchLogsClient(clientConfig);
  const sns = new SNSClient(clientConfig);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
  tables = await createStackTables(dynamo(), 'logs');
  recorder = { dynamo: dynamo(), tables, alertsTopicArn: topicArn, sfn, sns };
  await deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, 'etl', { definition: HOLD });
  for (const group of [WORKER_GROUP, FARGATE_GROUP])
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));

  // An ended run: extract failed once, then succeeded on the Fargate worker; `each[1]` is a mapped item.
  const ended = await trigger(
    { kind: 'manual', dagId: 'etl', logicalDate: '2026-11-20T00:00:00Z' },
    '2026-11-22T08:00:00Z',
  );
  await put(WORKER_GROUP, [
    at(0, `START RequestId: 1 Version: $LATEST`),
    at(1, lambdaWorkerLine(taskMessage(ENDED_RUN, 'extract', 0), 'reading s3://raw/2026-11-20')),
    at(2, lambdaWorkerLine(taskMessage(ENDED_RUN, 'extract', 0), 'Error: connection reset')),
    at(3, JSON.stringify({ level: 'INFO', message: 'message done', dagId: 'etl', taskId: 'extract' })),
    at(4, lambdaWorkerLine(taskMessage(ENDED_RUN, 'load', 0), 'a line of another task')),
    at(5, lambdaWorkerLine(taskMessage(RUNNING_RUN, 'extract', 0), 'a line of another run')),
    at(6, lambdaWorkerLine(taskMessage(RUNNING_RUN, 'each', 0, 1), 'item 1')),
    at(7, `REPORT RequestId: 1\tDuration: 7 ms`),
  ]);
  await put(FARGATE_GROUP, [
    at(10, taskLogLine(tags(ENDED_RUN, 'extract', 2), 'reading s3://raw/2026-11-20 again')),
    at(11, taskLogLine(tags(ENDED_RUN, 'extract', 2), 'loaded 3 rows')),
  ]);
  await recordEnd(ended, {
    extract: { state: 'success', try: 2 },
    load: { state: 'upstream_failed' },
    each: { state: 'success', try: 1 },
    report: { state: 'skipped' },
  });

  // A running run (no task records yet): extract is on its second try.
  await trigger({ kind: 'manual', dagId: 'etl', logicalDate: '2026-11-21T00:00:00Z' }, '2026-11-22T09:00:00Z');
  await put(WORKER_GROUP, [at(20, lambdaWorkerLine(taskMessage(RUNNING_RUN, 'extract', 1), 'second try starts'))]);

  scratch = await mkdtemp(join(tmpdir(), 'airstep-cli-logs-'));
  outputsFile = join(scratch, 'cdk-outputs.json');
  await writeFile(outputsFile, JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-trigger') }));
  cli = (...args) => airstep(moto.env, ...args, '--outputs', outputsFile);
}, 180_000);

afterAll(async () => {
  sfn?.destroy();
  logs?.destroy();
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('CloudTaskLogs (the cloud reader)', () => {
  it('returns one try’s tagged lines from both worker groups, oldest first, through every page', async () => {
    // Two events a page: the Lambda group's eight lines take four FilterLogEvents calls.
    const reader = new CloudTaskLogs(logs, [WORKER_GROUP, FARGATE_GROUP], 'test', 2);
    const first = await reader.read(tags(ENDED_RUN, 'extract', 1));
    expect(first.lines.map((l) => [l.timestamp - T0, l.message, l.tryNumber])).toEqual([
      [1, 'reading s3://raw/2026-11-20', 1],
      [2, 'Error: connection reset', 1],
    ]);
    const second = await reader.read(tags(ENDED_RUN, 'extract', 2));
    expect(second.lines.map((l) => l.message)).toEqual(['reading s3://raw/2026-11-20 again', 'loaded 3 rows']);
    expect((await reader.read(tags(RUNNING_RUN, 'each', 1, 1))).lines.map((l) => l.message)).toEqual(['item 1']);
    expect((await reader.read(tags(RUNNING_RUN, 'each', 1))).lines).toEqual([]);
    expect(await reader.latestTry({ dagId: 'etl', runId: ENDED_RUN, taskId: 'extract', mapIndex: -1 })).toBe(2);
  });

  it('reads on from its cursor: a line is returned once, one put later is returned next', async () => {
    const reader = new CloudTaskLogs(logs, [WORKER_GROUP, FARGATE_GROUP], 'test');
    const query = tags(ENDED_RUN, 'load', 1);
    const first = await reader.read(query);
    expect(first.lines.map((l) => l.message)).toEqual(['a line of another task']);
    expect((await reader.read(query, first.cursor)).lines).toEqual([]);
    // Same millisecond as the last line read: still returned, once.
    await put(WORKER_GROUP, [at(4, lambdaWorkerLine(taskMessage(ENDED_RUN, 'load', 0), 'same millisecond'))]);
    const next = await reader.read(query, first.cursor);
    expect(next.lines.map((l) => l.message)).toEqual(['same millisecond']);
    expect((await reader.read(query, next.cursor)).lines).toEqual([]);
  });
});

describe('Command: airstep logs --outputs', () => {
  it('prints the last try of a task by default, and --try picks another', async () => {
    const last = await cli('logs', ENDED_RUN, 'extract');
    expect(last).toEqual({
      code: 0,
      stdout: line(10, 'reading s3://raw/2026-11-20 again') + line(11, 'loaded 3 rows'),
      stderr: '',
    });
    const firstTry = await cli('logs', 'manual__2026-11-20', 'extract', '--try', '1', '--dag', 'etl');
    expect(firstTry).toEqual({
      code: 0,
      stdout: line(1, 'reading s3://raw/2026-11-20') + line(2, 'Error: connection reset'),
      stderr: '',
    });
  });

  it('reads a running run’s latest try of an instance from the logs (its task records come when it ends)', async () => {
    const mapped = await cli('logs', RUNNING_RUN, 'each', '--map-index', '1', '--json');
    expect(JSON.parse(mapped.stdout)).toEqual({
      runId: RUNNING_RUN,
      taskId: 'each',
      mapIndex: 1,
      try: 1,
      log: formatTaskLogLine({
        ...tags(RUNNING_RUN, 'each', 1, 1),
        timestamp: T0 + 6,
        level: 'INFO',
        message: 'item 1',
      }),
    });
    const running = await cli('logs', RUNNING_RUN, 'extract');
    expect(running.code).toBe(0);
    expect(running.stdout).toBe(
      formatTaskLogLine({
        ...tags(RUNNING_RUN, 'extract', 2),
        timestamp: T0 + 20,
        level: 'INFO',
        message: 'second try starts',
      }),
    );
  });

  it('refuses, with exit 2, an unknown run, task, try or option value; a try without lines is named', async () => {
    const refused = await Promise.all([
      cli('logs', 'manual__1999', 'extract'),
      cli('logs', ENDED_RUN, 'no_such_task'),
      cli('logs', ENDED_RUN, 'extract', '--try', '3'),
      cli('logs', ENDED_RUN, 'extract', '--try', '0'),
      cli('logs', ENDED_RUN, 'extract', '--map-index', 'x'),
      cli('logs', ENDED_RUN, 'report'),
    ]);
    expect(refused.map((r) => [r.code, r.stdout])).toEqual(Array(6).fill([2, '']));
    expect(refused.map((r) => r.stderr.trim())).toEqual([
      `no run 'manual__1999' of ${outputsFile} › AirstepStack (see airstep runs)`,
      `run ${ENDED_RUN} has no task 'no_such_task'`,
      `extract of run ${ENDED_RUN} has 2 tries, not 3`,
      '--try 0: expected a try number (1, 2, …)',
      '--map-index x: expected -1 or an item index (0, 1, …)',
      expect.stringMatching(
        new RegExp(
          `^no log for try 1 of report in log groups ${WORKER_GROUP}, ${FARGATE_GROUP} of .* \\(container tasks' own output: airstep-container-logs\\) \\(native steps log nothing\\)$`,
        ),
      ),
    ]);
  });

  it('--follow prints lines as they come and stops when the run ends, after its last line', async () => {
    const run = await trigger(
      { kind: 'manual', dagId: 'etl', logicalDate: '2026-11-22T00:00:00Z' },
      '2026-11-22T10:00:00Z',
    );
    const write = (ms: number, text: string) =>
      put(WORKER_GROUP, [at(ms, lambdaWorkerLine(taskMessage(FOLLOWED_RUN, 'extract', 0), text))]);
    const printed = (ms: number, text: string) =>
      formatTaskLogLine({ ...tags(FOLLOWED_RUN, 'extract', 1), timestamp: T0 + ms, level: 'INFO', message: text });
    await write(30, 'first');
    const child = spawn(
      process.execPath,
      ['bin/airstep.js', 'logs', FOLLOWED_RUN, 'extract', '--follow', '--interval', '0.2', '--outputs', outputsFile],
      { env: { ...process.env, ...moto.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    // Conditions, not durations: each step waits until the follower has printed what came before.
    await vi.waitFor(() => expect(stdout).toContain('first'), { timeout: 60_000, interval: 100 });
    await write(31, 'second');
    await vi.waitFor(() => expect(stdout).toContain('second'), { timeout: 60_000, interval: 100 });
    expect(child.exitCode).toBeNull();
    // The try's last line, then its end: the follower looks for the end before each read, so it prints the line.
    await write(32, 'last');
    await recordEnd(run, { extract: { state: 'success', try: 1 } });
    expect(await exited).toBe(0);
    expect(stderr).toBe(`following try 1 of extract of ${FOLLOWED_RUN} until it ends\n`);
    expect(stdout).toBe(printed(30, 'first') + printed(31, 'second') + printed(32, 'last'));
  }, 120_000);
});
