import { execFile } from 'node:child_process';
import { LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFiles } from '../../lib/cli/compile-files.ts';
import { bundleDagFile } from '../../lib/dag-sync/bundle-dag-file.ts';
import { readDagRecord } from '../../lib/dynamo/dag-record.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import type { DeployedStack } from '../../localstack/deployed-stack.ts';
import { runStackLocal, type StackLocalSummary } from '../../localstack/stack-local-run.ts';
import { airstep } from '../cli/cloud-stack-helpers.ts';
import { BROWSER_WAIT_MS, launchBrowser, newPage, screenshot } from '../helpers/browser.ts';
import { processGone, type SpawnedCli, spawnCli, waitFor } from '../helpers/spawned-cli.ts';

/**
 * The end-to-end suite against one deployment per run: `npm run stack:local`'s own code (localstack/
 * stack-local-run.ts) deploys the synthesized template to MiniStack with `cdk bootstrap` and `cdk deploy`, uploads
 * every example DAG and the e2e fixtures (bundled, as `airstep sync` uploads them), and runs the medallion DAG;
 * the tests below then drive the deployed stack only from outside, as a user would: S3 uploads, Invoke of the
 * trigger Lambda, and reads of the tables, executions and the alerts topic. Every handler is an emulator Lambda
 * fed by its real event source. The figures are printed, never asserted.
 */
let stack: DeployedStack;
let summary: StackLocalSummary;
const flaky = 'test/fixtures/e2e/flaky.ts';

const started = (result: TriggerResult) => {
  expect(result.outcome).toBe('started');
  return result as Extract<TriggerResult, { outcome: 'started' }>;
};
const executionOutput = async (executionArn: string) =>
  JSON.parse((await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).output ?? 'null') as {
    tasks: Record<string, { state: string; try?: number; output?: unknown }>;
  };
const taskStates = (tasks: ReadonlyArray<{ taskId: string; state: string; tries?: number }>) =>
  tasks.map((task) => [task.taskId, task.state, task.tries]);

beforeAll(async () => {
  ({ stack, summary } = await runStackLocal({
    extra: [
      'test/fixtures/dag-sync/cycle.ts',
      'test/fixtures/dag-sync/kills_evaluator.ts',
      flaky,
      'test/fixtures/e2e/doomed.ts',
      'test/fixtures/e2e/every_minute.ts',
      'test/fixtures/e2e/on_fargate.ts',
    ],
  }));
  console.log(
    `stack:local: cdk deploy ${summary.deployment.seconds} s (${summary.deployment.resources} of ${summary.deployment.templateResources} resources), upload -> runnable ${summary.uploadToRunnableSeconds.max} s for ${summary.dagsRegistered.length} DAGs, trigger -> end ${summary.triggerToEndSeconds} s`,
  );
}, 900_000);
afterAll(async () => {
  await stack?.stop();
});

describe('stack:local: the synthesized template on MiniStack through cdk deploy', () => {
  it('deploys every resource of the template, and runs each handler as a Lambda', () => {
    expect(summary.deployment.method).toBe('cdk deploy');
    // MiniStack lists every resource but CDK's analytics metadata (AWS::CDK::Metadata).
    expect(summary.deployment.resources).toBe(summary.deployment.templateResources - 1);
    expect(summary.handlers).toEqual({
      dagSync: 'lambda',
      dagEvaluator: 'lambda',
      worker: 'lambda',
      trigger: 'lambda',
      recorder: 'lambda',
    });
  });

  it('registers every example DAG beside broken files, and runs the medallion pipeline to success', async () => {
    const expected = (await compileFiles(['dags'])).flatMap((file) => file.compiled.map((dag) => dag.ir.dagId)).sort();
    expect(summary.dagsRegistered).toEqual(expected);
    // A file that kills the process evaluating it fails alone, in the evaluator Lambda, not in dag-sync.
    expect(summary.importErrors).toEqual([
      'dags/extra/cycle.mjs › dag sync_cycle › task a › upstream: dependency cycle: a -> b -> a',
      expect.stringMatching(/^dags\/extra\/kills_evaluator\.mjs › the evaluator failed: \S/),
    ]);
    expect(summary.run.state).toBe('success');
    expect(summary.run.tasks).toEqual([
      { key: 'generate_analytics_summary', state: 'success', try: 1 },
      { key: 'ingest_customers', state: 'success', try: 1 },
      { key: 'ingest_orders', state: 'success', try: 1 },
    ]);
    expect(summary.outputs).toHaveLength(3);
    expect(
      summary.outputs.some((uri: string) => uri.startsWith('s3://airstep-analytics/analytics/daily_summary/')),
    ).toBe(true);
  });
});

describe('end to end on the deployed stack', () => {
  it('a task that fails once succeeds on its retry', async () => {
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' }));
    const ended = await stack.runEnded('e2e_flaky', run.runId, ['report', 'echo']);
    expect(ended?.run.state).toBe('success');
    expect(taskStates(ended!.tasks)).toEqual([
      ['echo', 'success', 1],
      ['report', 'success', 2],
    ]);
  }, 240_000);

  it('a task that fails for good fails the run and sends an alert naming it', async () => {
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_doomed' }));
    const ended = await stack.runEnded('e2e_doomed', run.runId, ['boom', 'after']);
    expect(ended?.run.state).toBe('failed');
    expect(ended!.tasks.map((task) => [task.taskId, task.state, task.error])).toEqual([
      ['after', 'upstream_failed', undefined],
      ['boom', 'failed', 'NonRetryableError'],
    ]);
    const alerts: string[] = [];
    const deadline = Date.now() + 60_000;
    while (!alerts.some((alert) => alert.includes(run.runId)) && Date.now() < deadline)
      alerts.push(...(await stack.alerts()));
    expect(alerts.find((alert) => alert.includes(run.runId))).toContain('failed tasks: boom (NonRetryableError)');
  }, 240_000);

  it('a schedule that fires twice for the same time starts one run', async () => {
    const fire = { kind: 'scheduled', dagId: 'e2e_flaky', scheduledTime: '2026-11-20T00:00:00Z' } as const;
    const first = started(await stack.trigger(fire));
    const second = await stack.trigger(fire);
    expect(first.runId).toBe('scheduled__2026-11-19T00:00:00+00:00');
    expect(second.outcome).toBe('duplicate');
    const record = await readDagRecord(stack.dynamo, stack.tables.dags, 'e2e_flaky');
    const executions = await stack.sfn.send(new ListExecutionsCommand({ stateMachineArn: record!.stateMachineArn }));
    expect(
      executions.executions?.filter((execution) => execution.name?.startsWith('scheduled__2026-11-19')),
    ).toHaveLength(1);
    expect((await stack.runEnded('e2e_flaky', first.runId, ['report', 'echo']))?.run.state).toBe('success');
  }, 240_000);

  it('a run in flight when its DAG file changes finishes on the version it started with', async () => {
    const before = await readDagRecord(stack.dynamo, stack.tables.dags, 'e2e_flaky');
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' }));
    await stack.upload('dags/extra/flaky.mjs', (await bundleDagFile(flaky)).replace('version one', 'version two'));
    let after = before;
    const deadline = Date.now() + 120_000;
    while (after?.dagVersion === before?.dagVersion && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 500));
      after = await readDagRecord(stack.dynamo, stack.tables.dags, 'e2e_flaky');
    }
    expect(after!.dagVersion).not.toBe(before!.dagVersion);

    const ended = await stack.runEnded('e2e_flaky', run.runId, ['report', 'echo']);
    expect(ended?.run.dagVersion).toBe(before!.dagVersion);
    expect((await executionOutput(run.executionArn)).tasks.report?.output).toBe('version one');
    const next = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' }));
    const nextEnded = await stack.runEnded('e2e_flaky', next.runId, ['report', 'echo']);
    expect(nextEnded?.run.dagVersion).toBe(after!.dagVersion);
    expect((await executionOutput(next.executionArn)).tasks.report?.output).toBe('version two');
  }, 300_000);
});

describe('what MiniStack cannot do, and the rest proven', () => {
  it('a Fargate try: the RunTask is carried out by the worker entry point on the host, standing in for ECS', async () => {
    // MiniStack's ECS records the state machine's RunTask and runs no container; the stand-in (localstack/
    // ecs-stand-in.ts) starts lambdas/fargate-worker/main.ts with the container's environment instead.
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_on_fargate' }));
    const ended = await stack.runEnded('e2e_on_fargate', run.runId, ['measure', 'report']);
    expect(ended?.run.state).toBe('success');
    expect(taskStates(ended!.tasks)).toEqual([
      ['measure', 'success', 1],
      ['report', 'success', 1],
    ]);
    const ds = run.runId.slice('manual__'.length, 'manual__'.length + 10);
    // The Fargate try's result, carried in the payload because the Lambda task downstream reads it.
    expect((await executionOutput(run.executionArn)).tasks.measure?.output).toBe(`measured ${ds} on try 1`);
    const tries = stack.ecs.tries.filter((one) => one.environment.AIRSTEP_EXECUTION_ARN === run.executionArn);
    expect(tries).toHaveLength(1);
    // The task definition's variables and the RunTask overrides', as ECS would give the container.
    expect(tries[0]!.environment).toMatchObject({
      AIRSTEP_BUCKET: stack.bucket,
      AIRSTEP_TASK_INSTANCES_TABLE: stack.tables.taskInstances,
      AIRSTEP_DAG_ID: 'e2e_on_fargate',
      AIRSTEP_TASK_ID: 'measure',
      AIRSTEP_RETRY_COUNT: '0',
    });
    expect(tries[0]!.environment.AIRSTEP_TASK_TOKEN).toMatch(/./);
    // It answered the token before it exits: wait for the exit.
    const deadline = Date.now() + 60_000;
    while (tries[0]!.exitCode === undefined && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 200));
    expect(tries[0]!.exitCode).toBe(0);
  }, 240_000);

  it('a worker that dies before answering: its try is delivered again and the run finishes', async () => {
    // The stack hides a taken task message for the worker's timeout plus 30 s (15.5 min): for the message this
    // test takes and drops, the deployed queue's visibility is shortened, and the worker's event source mapping
    // is paused while the test takes it, so the emulator's Lambda does not take it first. Both are restored.
    const lambda = new LambdaClient({});
    const queueUrl = stack.physicalId('AirstepQueuesTaskdefault', 'AWS::SQS::Queue');
    const queueArn = (
      await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const { EventSourceMappings = [] } = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: stack.functionName('worker') }),
    );
    const mapping = EventSourceMappings.find((found) => found.EventSourceArn === queueArn)!;
    const visibility = (
      await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }))
    ).Attributes!.VisibilityTimeout!;
    expect(Number(visibility)).toBe(15 * 60 + 30);
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID!, Enabled: false }));
    let taken: Message | undefined;
    let run: Extract<TriggerResult, { outcome: 'started' }>;
    try {
      await stack.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: '5' } }),
      );
      run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' }));
      const deadline = Date.now() + 60_000;
      while (taken === undefined && Date.now() < deadline) {
        const received = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
        taken = received.Messages?.[0];
      }
    } finally {
      await stack.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: visibility } }),
      );
      await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID!, Enabled: true }));
    }
    // Taken and dropped: no answer, no delete.
    expect(JSON.parse(taken!.Body!)).toMatchObject({ taskId: 'report', retryCount: 0 });
    const ended = await stack.runEnded('e2e_flaky', run.runId, ['report', 'echo']);
    expect(ended?.run.state).toBe('success');
    expect(taskStates(ended!.tasks)).toContainEqual(['report', 'success', 2]);
  }, 300_000);

  // Last, so the schedule dag-sync created in beforeAll has had the other tests' time to come due.
  it('a schedule fires the trigger Lambda; MiniStack leaves <aws.scheduler.scheduled-time> unfilled, so the fire lands on the failed-events queue with the reason, and is run as Scheduler would fill it', async () => {
    const scheduler = new SchedulerClient({});
    const group = stack.outputs.ScheduleGroupName!;
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    const names = Schedules.map((schedule) => schedule.Name!).filter((name) => name.startsWith('e2e_every_minute'));
    expect(names).toHaveLength(1);
    const { Target, ScheduleExpression } = await scheduler.send(
      new GetScheduleCommand({ GroupName: group, Name: names[0]! }),
    );
    // The schedule dag-sync created invokes the stack's trigger function with the fire's time as Scheduler's
    // context attribute.
    expect(ScheduleExpression).toBe('cron(* * * * ? *)');
    expect(Target!.Arn).toContain(`:function:${stack.functionName('trigger')}`);
    const input = JSON.parse(Target!.Input!);
    expect(input).toEqual({
      kind: 'scheduled',
      dagId: 'e2e_every_minute',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });

    // MiniStack fires it (within its 10 s sweep after each minute) and invokes the trigger Lambda, with the
    // attribute left as written: the trigger cannot read the time, and puts the fire on the failed-events queue
    // with the reason (the queue's alarm goes off), instead of losing it.
    const failedEvents = stack.physicalId('AirstepQueuesFailedEvents', 'AWS::SQS::Queue');
    let fired: { at: number; body: { reason: { code: string; message: string }; event: unknown } } | undefined;
    const deadline = Date.now() + 150_000;
    while (fired === undefined && Date.now() < deadline) {
      const { Messages = [] } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: failedEvents, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body!);
        if (body.event?.dagId === 'e2e_every_minute') fired = { at: Date.parse(body.at), body };
      }
    }
    expect(fired?.body.reason.code).toBe('UNREADABLE_EVENT');
    expect(fired?.body.reason.message).toContain('<aws.scheduler.scheduled-time>');
    expect(fired?.body.event).toEqual(input);

    // The rest, as EventBridge Scheduler fills the attribute: the minute the schedule came due.
    const dueMinute = new Date(Math.floor(fired!.at / 60_000) * 60_000).toISOString();
    const run = started(await stack.trigger({ ...input, scheduledTime: dueMinute }));
    const logicalDate = new Date(Date.parse(dueMinute) - 60_000).toISOString().replace('.000Z', '+00:00');
    expect(run.runId).toBe(`scheduled__${logicalDate}`);
    const ended = await stack.runEnded('e2e_every_minute', run.runId, ['stamp']);
    expect(ended?.run.state).toBe('success');
    expect(taskStates(ended!.tasks)).toEqual([['stamp', 'success', 1]]);
    const executionInput = (await stack.sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn })))
      .input!;
    expect(JSON.parse(executionInput).ctx).toMatchObject({
      runType: 'scheduled',
      logicalDate,
      dataIntervalEnd: dueMinute.replace('.000Z', '+00:00'),
    });
  }, 240_000);
});

/**
 * Issue 12 item 7, the console and CloudWatch as the monitoring surface, on the deployed stack: a DAG asking for
 * its own failed-runs alarm is synced (dag-sync makes the alarm on MiniStack's CloudWatch), `airstep trigger`
 * prints the run's console link, the run fails, the recorder counts it under the DAG's own series, and `airstep
 * runs --json` gives the console link. MiniStack evaluates an alarm against every series of its metric name
 * whatever the dimensions, so the alarm's state proves only that it is live and wired; the DagId series it
 * watches is proven here by GetMetricData and on moto (test/lambdas/recorder.test.ts, dag-sync.test.ts).
 */
describe('metrics: per-DAG metrics, alarms and console links on the deployed stack', () => {
  const dagId = 'e2e_metrics_alarmed';
  const cli = async (...args: string[]) => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    return promisify(execFile)(process.execPath, ['bin/airstep.js', ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
  };
  let cloudwatch: import('@aws-sdk/client-cloudwatch').CloudWatchClient;
  let runId: string;

  beforeAll(async () => {
    const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
    cloudwatch = new CloudWatchClient({});
    await stack.upload('dags/extra/metrics_alarmed.mjs', await bundleDagFile('test/fixtures/e2e/metrics_alarmed.ts'));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, dagId)) === undefined && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 500));
  }, 180_000);

  it('dag-sync made the alarm the DAG asks for, on its own series, to the stack’s alerts topic', async () => {
    const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `airstep-dag-${dagId}-` }),
    );
    expect(
      MetricAlarms.map((alarm) => [alarm.AlarmName, alarm.MetricName, alarm.Dimensions, alarm.AlarmActions]),
    ).toEqual([
      [
        `airstep-dag-${dagId}-failed-runs`,
        'RunsFailed',
        [{ Name: 'DagId', Value: dagId }],
        [stack.outputs.AlertsTopicArn],
      ],
    ]);
  });

  it('`airstep trigger` prints the run’s Step Functions console link (the AWS form, from the ARN)', async () => {
    const { stdout } = await cli('trigger', dagId, '--outputs', stack.outputsFile);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^started ${dagId} › manual__`));
    runId = lines[0]!.split(' › ')[1]!;
    const executionArn = lines[1]!.replace(/^ {2}execution /, '');
    expect(executionArn).toMatch(/^arn:aws:states:[a-z0-9-]+:\d{12}:execution:airstep-e2e_metrics_alarmed:manual__/);
    const region = executionArn.split(':')[3];
    expect(lines[2]).toBe(
      `  console https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`,
    );
  }, 120_000);

  it('the failed run is counted under its DAG, the alarm is live, and `airstep runs --json` links its console page', async () => {
    const ended = await stack.runEnded(dagId, runId, ['breaks']);
    expect(ended?.run.state).toBe('failed');
    const { metricTotal } = await import('../helpers/metric-sums.ts');
    // The recorder publishes after it writes the records: wait for the count, with a generous give-up.
    let failed = 0;
    const deadline = Date.now() + 60_000;
    while (failed < 1 && Date.now() < deadline) {
      failed = await metricTotal(cloudwatch, 'RunsFailed', { DagId: dagId });
      if (failed < 1) await new Promise((done) => setTimeout(done, 500));
    }
    expect(failed).toBe(1);
    expect(await metricTotal(cloudwatch, 'TasksFailed', { DagId: dagId })).toBe(1);
    expect(await metricTotal(cloudwatch, 'RunsSucceeded', { DagId: dagId })).toBe(0);

    const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
    const [alarm] =
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [`airstep-dag-${dagId}-failed-runs`] })))
        .MetricAlarms ?? [];
    expect(alarm?.StateValue).toBe('ALARM');

    const { stdout } = await cli('runs', dagId, '--outputs', stack.outputsFile, '--json');
    const [run] = (JSON.parse(stdout) as { runs: Array<{ runId: string; executionArn: string; consoleUrl: string }> })
      .runs;
    expect(run?.runId).toBe(runId);
    expect(run?.consoleUrl).toMatch(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/states\/home\?region=/);
    expect(run?.consoleUrl.endsWith(`#/v2/executions/details/${run.executionArn}`)).toBe(true);
  }, 300_000);
});

describe('issue 12 item 5, task logs in CloudWatch: airstep logs --outputs on the deployed stack', () => {
  // MiniStack writes a Lambda's output to the log group its LoggingConfig names (the worker's explicit group, a
  // stack output) and evaluates no JSON filter pattern (it matches every line): the reader's client-side check
  // of the fields selects the try here; on AWS the pattern does. The Fargate worker's lines are not covered here:
  // MiniStack runs no container (the ECS stand-in's process writes to no log group); test/cli/cloud-logs.test.ts
  // proves the reader on its line shape.
  const fixture = 'test/fixtures/e2e/cloudlogs_retry_logs.ts';
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/airstep.js', ...args, '--outputs', stack.outputsFile],
        { env: { ...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
      );
    });

  it('each try of a Lambda task logs its own tagged lines, and the failed try ends with its error', async () => {
    await stack.upload('dags/extra/cloudlogs_retry_logs.mjs', await bundleDagFile(fixture));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, 'e2e_cloudlogs')) === undefined) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((done) => setTimeout(done, 500));
    }
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_cloudlogs' }));
    const ended = await stack.runEnded('e2e_cloudlogs', run.runId, ['say']);
    expect(taskStates(ended!.tasks)).toEqual([['say', 'success', 2]]);

    const line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO /;
    const last = await cli('logs', run.runId, 'say');
    expect([last.code, last.stderr]).toEqual([0, '']);
    expect(last.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        new RegExp(`${line.source}try 2 of ${run.runId.replace(/[+.]/g, '\\$&')} \\{"mapIndex":-1\\}$`),
      ),
    ]);
    const first = await cli('logs', run.runId, 'say', '--try', '1');
    expect(first.code).toBe(0);
    const firstLines = first.stdout.split('\n').filter(Boolean);
    expect(firstLines[0]).toMatch(new RegExp(`${line.source}try 1 of `));
    // One name prefix on the error line (issue 13: not `Error: Error: …`).
    expect(firstLines[1]).toMatch(new RegExp(`${line.source}Error: first try fails$`));
    // The error's stack follows; no line of the other try.
    expect(first.stdout).not.toContain('try 2 of');
    // The try has ended: --follow prints the same lines and returns.
    const followed = await cli('logs', run.runId, 'say', '--try', '1', '--follow', '--interval', '0.5');
    expect([followed.code, followed.stdout]).toEqual([0, first.stdout]);
  }, 300_000);
});

describe('pause, unpause and notes on the deployed stack (issue 12 items 2 and 8)', () => {
  const pauseFixture = 'test/fixtures/e2e/pause_daily.ts';
  const dagId = 'e2e_pause_daily';
  const cli = (...args: string[]) => airstep({}, ...args, '--outputs', stack.outputsFile);
  const scheduleStates = async () => {
    const scheduler = new SchedulerClient({});
    const group = stack.outputs.ScheduleGroupName!;
    const { Schedules = [] } = await scheduler.send(
      new ListSchedulesCommand({ GroupName: group, NamePrefix: `${dagId}--` }),
    );
    return Promise.all(
      Schedules.map(
        async (schedule) =>
          (await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: schedule.Name! }))).State,
      ),
    );
  };
  /** Waits (a generous give-up) until dag-sync recorded a version of the DAG other than `other`. */
  const deployedVersion = async (other?: string) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const record = await readDagRecord(stack.dynamo, stack.tables.dags, dagId);
      if ((record !== undefined && record.dagVersion !== other) || Date.now() > deadline) return record;
      await new Promise((done) => setTimeout(done, 500));
    }
  };

  it('pause disables the schedules and the trigger skips fires; trigger needs --force; an upload keeps it paused; unpause enables; a note shows in runs and tasks', async () => {
    await stack.upload('dags/extra/pause_daily.mjs', await bundleDagFile(pauseFixture));
    const first = await deployedVersion();
    expect(first).toBeDefined();
    expect(await scheduleStates()).toEqual(['ENABLED']);

    const paused = await cli('pause', dagId);
    expect(paused).toMatchObject({
      code: 0,
      stdout: `paused ${dagId}: 1 schedule(s) disabled; scheduled fires are skipped\n`,
    });
    expect(await scheduleStates()).toEqual(['DISABLED']);
    // A fire already on its way when the pause landed: skipped and counted, not an error.
    const fire = await stack.trigger({ kind: 'scheduled', dagId, scheduledTime: '2026-11-20T00:00:00Z' });
    expect(fire).toMatchObject({ outcome: 'paused', dagId });

    const refused = await cli('trigger', dagId);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`DAG ${dagId} is paused (since `);
    const forced = await cli('trigger', dagId, '--force', '--date', '2026-11-25T06:00:00Z', '--json');
    expect(forced.code).toBe(0);
    const forcedRun = JSON.parse(forced.stdout) as { outcome: string; runId: string };
    expect(forcedRun).toMatchObject({ outcome: 'started', runId: 'manual__2026-11-25T06:00:00+00:00' });

    // A new version of the file while paused: deployed by dag-sync, its schedule left DISABLED, the mark kept.
    await stack.upload(
      'dags/extra/pause_daily.mjs',
      (await bundleDagFile(pauseFixture)).replace('version one', 'version two'),
    );
    const second = await deployedVersion(first!.dagVersion);
    expect(second!.dagVersion).not.toBe(first!.dagVersion);
    expect(second!.pausedAt).toBeDefined();
    expect(await scheduleStates()).toEqual(['DISABLED']);

    const listed = JSON.parse((await cli('list', '--json')).stdout) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags.find((dag) => dag.dagId === dagId)).toMatchObject({
      paused: true,
      pausedFires: { count: 1, lastScheduledTime: '2026-11-20T00:00:00Z' },
      nextRun: null,
    });

    const unpaused = await cli('unpause', dagId);
    expect(unpaused).toMatchObject({ code: 0, stdout: `unpaused ${dagId}: 1 schedule(s) enabled\n` });
    expect(await scheduleStates()).toEqual(['ENABLED']);
    expect((await readDagRecord(stack.dynamo, stack.tables.dags, dagId))?.pausedAt).toBeUndefined();

    const noted = await cli('note', forcedRun.runId, 'forced while paused, for the e2e suite', '--dag', dagId);
    expect(noted.code).toBe(0);
    expect((await cli('runs', dagId)).stdout).toContain(`${forcedRun.runId}  `);
    expect((await cli('runs', dagId)).stdout).toMatch(/note: forced while paused, for the e2e suite\n/);
    const tasks = await cli('tasks', forcedRun.runId, '--dag', dagId);
    expect(tasks.stdout.split('\n')[1]).toBe('note: forced while paused, for the e2e suite');
  }, 300_000);
});

describe('cloud backfill (issue 12 item 4): airstep backfill <dag> --outputs on the deployed stack', () => {
  const fixture = 'test/fixtures/e2e/cbackfill_daily.ts';
  const dagId = 'e2e_cbackfill_daily';

  it('backfills three days through the trigger Lambda, two at a time, waits for the recorder to end them, and prints the summary', async () => {
    // Shipped here rather than in beforeAll, so this block stands alone: the DAG is live once dag-sync wrote its record.
    await stack.upload('dags/extra/cbackfill_daily.mjs', await bundleDagFile(fixture));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, dagId)) === undefined && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 500));
    }
    expect((await readDagRecord(stack.dynamo, stack.tables.dags, dagId))?.maxActiveRuns).toBe(2);

    const { airstep } = await import('../cli/cloud-stack-helpers.ts');
    const runIds = ['01', '02', '03'].map((d) => `backfill__2026-11-${d}T00:00:00+00:00`);
    const result = await airstep(
      stack.emulator.env,
      'backfill',
      dagId,
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-03',
      '--outputs',
      stack.outputsFile,
    );
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    console.log(`cloud backfill on the deployed stack:\n${result.stdout}`);
    const lines = result.stdout.split('\n');
    // The first two start; the third is queued, or started when the live recorder already ended one of them
    // (which of the two depends on how fast the runs go, so both are right; the order of starts and ends below
    // shows that no more than two ever ran at once).
    expect(lines.slice(1, 3)).toEqual([`  started ${runIds[0]}`, `  started ${runIds[1]}`]);
    expect([`  started ${runIds[2]}`, `  queued  ${runIds[2]} (2 active)`]).toContain(lines[3]);
    const table = lines.slice(lines.indexOf('run id                               state    duration'));
    expect(table.slice(1, 4).map((line) => line.split(/\s+/).slice(0, 2))).toEqual(
      runIds.map((runId) => [runId, 'success']),
    );
    expect(table[4]).toBe('backfill done: 3 success');
    const records = [];
    for (const [index, runId] of runIds.entries()) {
      const ended = await stack.runEnded(dagId, runId, ['stamp']);
      records.push(ended!.run);
      expect([ended?.run.runType, ended?.run.state]).toEqual(['backfill', 'success']);
      // Each run got its own interval's context from the trigger.
      const input = (await stack.sfn.send(new DescribeExecutionCommand({ executionArn: ended!.run.executionArn! })))
        .input!;
      expect(JSON.parse(input).ctx).toMatchObject({ ds: `2026-11-0${index + 1}`, runType: 'backfill', runId });
    }
    // maxActiveRuns 2: the third run's execution started no earlier than the first of the other two ended. Both
    // times are Step Functions' own (startDate, stopDate): the record's `startedAt` is the trigger's clock when
    // it took the request, which may precede an end the recorder wrote while the request waited for its turn.
    const [first, second, third] = records;
    const thirdExecution = await stack.sfn.send(new DescribeExecutionCommand({ executionArn: third!.executionArn! }));
    const firstEnd = Math.min(Date.parse(first!.endedAt!), Date.parse(second!.endedAt!));
    expect(thirdExecution.startDate!.getTime()).toBeGreaterThanOrEqual(firstEnd);

    // The same backfill again starts nothing: every run already succeeded.
    const again = await airstep(
      stack.emulator.env,
      'backfill',
      dagId,
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-03',
      '--json',
      '--outputs',
      stack.outputsFile,
    );
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { runs: Array<{ note?: string }> }).runs.map((run) => run.note)).toEqual([
      'already succeeded',
      'already succeeded',
      'already succeeded',
    ]);
  }, 420_000);
});

describe('live task state and airstep mark on the deployed stack (issue 12 items 6 and 3)', () => {
  // The CLI as a user runs it against the deployed stack: its outputs file, the emulator's endpoint.
  const cli = async (...args: string[]) => {
    const { airstep } = await import('../cli/cloud-stack-helpers.ts');
    return airstep(stack.emulator.env, ...args, '--outputs', stack.outputsFile);
  };

  it('the deployed worker Lambda records each try live; the recorder then marks the records final, keeping their times', async () => {
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_flaky' }));
    const ended = await stack.runEnded('e2e_flaky', run.runId, ['report', 'echo']);
    expect(ended?.run.state).toBe('success');
    const report = ended!.tasks.find((task) => task.taskId === 'report');
    // startedAt/endedAt are only written by the worker's live writes (the recorder's update keeps them).
    expect(report).toMatchObject({ state: 'success', tries: 2, final: true });
    expect(Date.parse(report!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(report!.startedAt!));
    const shown = await cli('tasks', run.runId, '--dag', 'e2e_flaky');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/report\s+success\s+2\s+\d\d:\d\d:\d\d\.\d+\s+\S+/);
  }, 240_000);

  // Marking a try that waits on its token needs a worker Lambda held open by the test; MiniStack runs it in its
  // own process, so that path (SendTaskSuccess/Failure with the stored token, the worker ending quietly) is proven
  // on moto with the worker's handler in the test's process: test/lambdas/worker-live-state.test.ts.
  it('marks a task and then the whole of an ended, failed run; bad input changes nothing (exit 2)', async () => {
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'e2e_doomed' }));
    expect((await stack.runEnded('e2e_doomed', run.runId, ['boom', 'after']))?.run.state).toBe('failed');

    const unknown = await cli('mark', run.runId, 'nope', 'success', '--dag', 'e2e_doomed');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("has no task instance 'nope'");

    const task = await cli('mark', run.runId, 'boom', 'success', '--dag', 'e2e_doomed', '--json');
    expect(task.code).toBe(0);
    // Airflow would clear `after` (upstream_failed) and run it; Airstep leaves that to `airstep clear`.
    expect(JSON.parse(task.stdout)).toMatchObject({ changed: ['boom: failed -> success'], runState: 'failed' });

    const whole = await cli('mark', run.runId, 'success', '--dag', 'e2e_doomed', '--json');
    expect(JSON.parse(whole.stdout)).toMatchObject({
      changed: ['after: upstream_failed -> success'],
      runState: 'success',
    });
    const { listTaskInstances, findRuns } = await import('../../lib/runs/run-history.ts');
    const [recorded] = await findRuns(stack.dynamo, stack.tables.runs, 'e2e_doomed', run.runId);
    expect(recorded?.state).toBe('success');
    const tasks = await listTaskInstances(stack.dynamo, stack.tables.taskInstances, 'e2e_doomed', run.runId);
    expect(taskStates(tasks)).toEqual([
      ['after', 'success', undefined],
      ['boom', 'success', 1],
    ]);
  }, 240_000);
});

describe('cloud clear (issue 12 item 1): airstep clear <run> --outputs on the deployed stack', () => {
  const fixture = 'test/fixtures/e2e/cloudclear_retry.ts';
  const dagId = 'e2e_cloudclear';
  const cli = async (...args: string[]) => {
    const { airstep } = await import('../cli/cloud-stack-helpers.ts');
    return airstep(stack.emulator.env, ...args, '--dag', dagId, '--outputs', stack.outputsFile);
  };

  // RedriveExecution is not used (a caught failure ends at the Fail state a redrive would repeat; see the README),
  // and neither MiniStack 1.5.33 nor moto 5.2.5 implements it: the new-execution clear is what is proven here.
  it('clears a failed run through the trigger Lambda: transform and load run again, extract is kept, tries go on', async () => {
    // Shipped here rather than in beforeAll, so this block stands alone: the DAG is live once dag-sync wrote its record.
    await stack.upload('dags/extra/cloudclear_retry.mjs', await bundleDagFile(fixture));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, dagId)) === undefined && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 500));
    }
    const run = started(await stack.trigger({ kind: 'manual', dagId }));
    const failed = await stack.runEnded(dagId, run.runId, ['extract', 'transform', 'load']);
    expect(failed?.run.state).toBe('failed');
    expect(taskStates(failed!.tasks)).toEqual([
      ['extract', 'success', 1],
      ['load', 'upstream_failed', undefined],
      ['transform', 'failed', 2],
    ]);
    const extractBefore = failed!.tasks.find((task) => task.taskId === 'extract')!;
    const { readExecutionHistory } = await import('../../lib/runs/history-task-states.ts');
    const { lastPayload } = await import('../../lib/runs/run-records.ts');
    const firstPayload = lastPayload(await readExecutionHistory(stack.sfn, failed!.run.executionArn!)) as {
      tasks: { extract: { output: { id: string } } };
    };

    // Bad input changes nothing (exit 2): an unknown task, an unknown run; --dry-run shows the plan.
    const before = await listExecutions();
    expect((await cli('clear', run.runId, '--task', '^nope$')).code).toBe(2);
    expect((await cli('clear', 'manual__1999')).code).toBe(2);
    const dry = await cli('clear', run.runId, '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({ cleared: ['load', 'transform'], kept: ['extract'] });
    expect(await listExecutions()).toEqual(before);

    const cleared = await cli('clear', run.runId);
    console.log(`airstep clear on the deployed stack:\n${cleared.stdout}${cleared.stderr}`);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain(`${dagId} › ${run.runId}: clearing load, transform (clear 1)`);
    expect(cleared.stdout).toMatch(/transform\s+success\s+3/);
    expect(cleared.stdout).toContain('run success');

    const [record] = await (await import('../../lib/runs/run-history.ts')).findRuns(
      stack.dynamo,
      stack.tables.runs,
      dagId,
      run.runId,
    );
    expect(record).toMatchObject({ state: 'success', clears: 1 });
    expect(record!.executionArn).toMatch(/__clear1$/);
    const output = await executionOutput(record!.executionArn!);
    // The kept extract answered with the first execution's result (its code would have made a new id).
    expect(output.tasks.extract).toMatchObject({ state: 'success', try: 1, output: firstPayload.tasks.extract.output });
    expect(output.tasks.transform).toMatchObject({ state: 'success', try: 3 });
    const { listTaskInstances } = await import('../../lib/runs/run-history.ts');
    const tasks = await listTaskInstances(stack.dynamo, stack.tables.taskInstances, dagId, run.runId);
    expect(taskStates(tasks)).toEqual([
      ['extract', 'success', 1],
      ['load', 'success', 1],
      ['transform', 'success', 3],
    ]);
    // No try of extract ran in the new execution: its live record still has the first try's start.
    expect(tasks.find((task) => task.taskId === 'extract')?.startedAt).toBe(extractBefore.startedAt);

    // `airstep runs` says the run was cleared once.
    const { airstep } = await import('../cli/cloud-stack-helpers.ts');
    const listed = await airstep(stack.emulator.env, 'runs', dagId, '--outputs', stack.outputsFile);
    expect(listed.stdout.split('\n').find((line) => line.includes(run.runId))).toContain('cleared 1 time');

    // The succeeded run has nothing failed to clear.
    const again = await cli('clear', run.runId);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no failed, upstream_failed or interrupted task instance to clear');
  }, 420_000);

  const listExecutions = async () => {
    const dag = await readDagRecord(stack.dynamo, stack.tables.dags, dagId);
    return (
      (await stack.sfn.send(new ListExecutionsCommand({ stateMachineArn: dag!.stateMachineArn }))).executions ?? []
    ).map((execution) => execution.name);
  };
});

describe('airstep ui --outputs on the deployed stack, in Chromium (issue 14)', () => {
  // The same flow as test/ui/ui-local.test.ts, against the stack: the UI reads the tables, execution histories and
  // CloudWatch logs with the emulator's credentials, and acts through `airstep trigger | clear | pause --outputs`.
  // A run here goes through SQS, Lambda and the recorder on a loaded machine: each wait has a long backstop
  // (a hang fails the test; a slow machine does not), and every wait is for something on the page.
  const fixture = 'test/fixtures/e2e/ui_cloud.ts';
  const dagId = 'e2e_ui';
  const STACK_WAIT_MS = 180_000;
  let ui: SpawnedCli | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    if (ui !== undefined && !processGone(ui.pid)) {
      process.kill(ui.pid, 'SIGINT');
      await ui.exited;
    }
  });

  /** The grid cell of a task in the newest run (the rightmost column). */
  const newestCell = (page: Page, taskId: string) => page.locator(`tr[data-task="${taskId}"] td.cells a`).last();
  const cellState = (page: Page, taskId: string) => () => newestCell(page, taskId).getAttribute('data-state');

  it('lists the deployed DAGs, triggers one from its params form, shows its grid live, the failed task log from CloudWatch, Clear and Pause', async () => {
    await stack.upload('dags/extra/ui_cloud.mjs', await bundleDagFile(fixture));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, dagId)) === undefined) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((done) => setTimeout(done, 500));
    }
    ui = spawnCli(process.cwd(), stack.emulator.env, 'ui', '--outputs', stack.outputsFile);
    const printed = await waitFor(
      () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(ui!.stdout()) ?? undefined,
      'the UI address',
      60_000,
    );
    browser = await launchBrowser();
    const { page, errors } = await newPage(browser);
    try {
      // DAGs: the deployed ones, where they come from, and the import errors dag-sync recorded.
      await page.goto(printed[1]!);
      const row = page.locator(`tr[data-dag="${dagId}"]`);
      await row.waitFor({ timeout: STACK_WAIT_MS });
      expect(await page.locator('p.source').textContent()).toBe(`Deployed: ${stack.outputsFile} › AirstepStack`);
      const cycle = page.locator('.import-errors li').filter({ hasText: 'cycle.mjs' });
      expect(await cycle.textContent()).toBe(
        'dags/extra/cycle.mjs dag sync_cycle › task a › upstream: dependency cycle: a -> b -> a',
      );

      // Trigger from the params form: a value under the minimum is refused in the page, before any run exists.
      await row.getByRole('link', { name: 'Trigger' }).click();
      const rows = page.getByLabel('rows');
      await rows.fill('0');
      await page.getByText('Too small: expected number to be >=1').waitFor();
      expect(await page.getByRole('button', { name: 'Trigger' }).isDisabled()).toBe(true);
      await rows.fill('2');
      await expect
        .poll(() => page.getByRole('button', { name: 'Trigger' }).isEnabled(), { timeout: BROWSER_WAIT_MS })
        .toBe(true);
      await page.getByRole('button', { name: 'Trigger' }).click();

      // The grid, live, as the deployed workers and the recorder write the records.
      await page.waitForURL(new RegExp(`#/dags/${dagId}$`));
      await expect.poll(cellState(page, 'extract'), { timeout: STACK_WAIT_MS }).toBe('success');
      await expect.poll(cellState(page, 'check'), { timeout: STACK_WAIT_MS }).toBe('failed');
      await expect.poll(cellState(page, 'load'), { timeout: STACK_WAIT_MS }).toBe('upstream_failed');
      await screenshot(page, 'ui-stack-grid');

      // The failed task: its error, and its try's log read from the worker's log group in CloudWatch.
      await newestCell(page, 'check').click();
      await page.getByText('the rows are not ready yet').first().waitFor({ timeout: STACK_WAIT_MS });
      await expect
        .poll(() => page.getByRole('log').textContent(), { timeout: STACK_WAIT_MS })
        .toContain('check: try 1 of 2 rows');
      // The run's page in the Step Functions console, linked from the task instance.
      expect(await page.getByRole('link', { name: 'Step Functions console' }).getAttribute('href')).toMatch(
        /^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/states\/home\?region=.+#\/v2\/executions\/details\/arn:aws:states:/,
      );
      await screenshot(page, 'ui-stack-task-instance');

      // Clear (asks first), through `airstep clear --outputs`: a new execution runs check again (try 2), to success.
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: STACK_WAIT_MS }).toBe('success');
      await page.getByRole('link', { name: dagId }).first().click();
      await expect.poll(cellState(page, 'load'), { timeout: STACK_WAIT_MS }).toBe('success');

      // Pause (asks first), through `airstep pause --outputs`: the page says so, and so does the DAG record.
      await page.getByRole('link', { name: 'DAGs' }).click();
      await row.getByRole('button', { name: 'Pause' }).click();
      await row.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => row.locator('.paused').count(), { timeout: STACK_WAIT_MS }).toBe(1);
      expect((await readDagRecord(stack.dynamo, stack.tables.dags, dagId))?.pausedAt).toBeDefined();
      await screenshot(page, 'ui-stack-dags');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 900_000);
});

describe('Variables and Connections on the deployed stack (issue 15 item 4)', () => {
  // Set through the CLI into the stack's SSM and Secrets Manager paths, read by the deployed Lambda worker under
  // the grants the construct gives it, and masked in the try's CloudWatch lines (ctx.log and console.log alike).
  const cli = (...args: string[]) => airstep(stack.emulator.env, ...args, '--outputs', stack.outputsFile);

  it('a deployed task reads a variable and a connection set with the CLI, and its log shows *** for the secrets', async () => {
    for (const args of [
      ['variables', 'set', 'bucket', 'e2e-bucket'],
      ['variables', 'set', 'slack_token', 'xoxb-e2e-token-123'],
      ['connections', 'set', 'warehouse', 'postgres://etl:e2e-Pa55word@warehouse.internal:5432/analytics'],
    ]) {
      const set = await cli(...args);
      expect([args.join(' '), set.code, set.stderr]).toEqual([args.join(' '), 0, '']);
    }
    await stack.upload('dags/extra/secrets_reader.mjs', await bundleDagFile('test/fixtures/local/secrets_reader.ts'));
    const deadline = Date.now() + 120_000;
    while ((await readDagRecord(stack.dynamo, stack.tables.dags, 'secrets_reader')) === undefined) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((done) => setTimeout(done, 500));
    }
    const run = started(await stack.trigger({ kind: 'manual', dagId: 'secrets_reader' }));
    const ended = await stack.runEnded('secrets_reader', run.runId, ['read']);
    expect(taskStates(ended!.tasks)).toEqual([['read', 'success', 1]]);
    // The task's result is kept in no state (no task reads it); its log shows what it read.

    // The worker's lines reach its log group after the run's end is recorded: wait for the last one.
    const read = () => cli('logs', run.runId, 'read', '--dag', 'secrets_reader');
    let logs = await read();
    const logged = Date.now() + 120_000;
    while (!logs.stdout.includes('printed with password')) {
      expect([logs.code, Date.now() < logged]).toEqual([0, true]);
      await new Promise((done) => setTimeout(done, 1000));
      logs = await read();
    }
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('bucket e2e-bucket region us-east-1 token ***');
    expect(logs.stdout).toContain('connecting to warehouse.internal:5432 as etl with ***');
    expect(logs.stdout).toContain('printed with password ***');
    expect(logs.stdout).not.toContain('e2e-Pa55word');
    expect(logs.stdout).not.toContain('xoxb-e2e-token-123');
  }, 300_000);
});

describe('cross-DAG on the deployed stack (issue 15 item 3): dags/examples/cross_dag.ts', () => {
  // Both waits are the state machine's own: the sensor queries the runs table and reads the task instance
  // (aws-sdk:dynamodb:*), the triggerDag step invokes the trigger Lambda and then polls the triggered run's record.
  // MiniStack runs all of it (moto runs no Lambda, so the wait for a triggered run is proven here only).
  it("the report waits for the orders run's task, then starts cross_dag_publish with its conf and waits for it to succeed", async () => {
    const logicalDate = '2026-11-20T00:00:00.000Z';
    const orders = started(await stack.trigger({ kind: 'manual', dagId: 'cross_dag_orders', logicalDate }));
    expect((await stack.runEnded('cross_dag_orders', orders.runId, ['load_orders']))?.run.state).toBe('success');

    const report = started(await stack.trigger({ kind: 'manual', dagId: 'cross_dag_report', logicalDate }));
    const ended = await stack.runEnded(
      'cross_dag_report',
      report.runId,
      ['wait_for_orders', 'build_report', 'publish_report'],
      300_000,
    );
    expect(ended?.run.state).toBe('success');
    expect(taskStates(ended!.tasks).map(([taskId, state]) => [taskId, state])).toEqual([
      ['build_report', 'success'],
      ['publish_report', 'success'],
      ['wait_for_orders', 'success'],
    ]);

    // The run it started: the id fixed per parent run and task, the parent's logical date, the templated conf,
    // and ended (the parent's wait saw it succeed) before the parent did.
    const { findRuns } = await import('../../lib/runs/run-history.ts');
    const [publish] = await findRuns(
      stack.dynamo,
      stack.tables.runs,
      'cross_dag_publish',
      `triggered__cross_dag_report.publish_report__${report.runId}`,
    );
    expect(publish).toMatchObject({ state: 'success', logicalDate: expect.stringMatching(/^2026-11-20T00:00:00/) });
    const input = JSON.parse(
      (await stack.sfn.send(new DescribeExecutionCommand({ executionArn: publish!.executionArn! }))).input ?? '{}',
    ) as { ctx?: { conf?: unknown } };
    expect(input.ctx?.conf).toEqual({ report: 'daily', day: '2026-11-20' });
    expect(Date.parse(publish!.endedAt!)).toBeLessThanOrEqual(Date.parse(ended!.run.endedAt!));
  }, 420_000);
});

describe('assets on the deployed stack (issue 15 item 1)', () => {
  it("a producer's outlets reach the trigger through the asset bus and start the consumer with the events", async () => {
    const consumer = (await readDagRecord(stack.dynamo, stack.tables.dags, 'asset_consumer'))!;
    expect(consumer.assets).toBeDefined();
    const produced = started(await stack.trigger({ kind: 'manual', dagId: 'asset_producer' }));
    const ended = await stack.runEnded('asset_producer', produced.runId, ['load_orders', 'load_customers']);
    expect(ended?.run.state).toBe('success');
    // The consumer's run starts once both outlet states put their events (generous backstop, returns at once).
    const assetRuns = async () =>
      (
        (await stack.sfn.send(new ListExecutionsCommand({ stateMachineArn: consumer.stateMachineArn }))).executions ??
        []
      ).filter((execution) => execution.name?.startsWith('asset_triggered__'));
    const deadline = Date.now() + 120_000;
    let runs = await assetRuns();
    while (runs.length === 0 && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 1000));
      runs = await assetRuns();
    }
    expect(runs).toHaveLength(1);
    const { input } = await stack.sfn.send(new DescribeExecutionCommand({ executionArn: runs[0]!.executionArn! }));
    const { ctx } = JSON.parse(input!) as {
      ctx: { runId: string; runType: string; triggeringAssetEvents: Record<string, Array<Record<string, unknown>>> };
    };
    expect(ctx.runType).toBe('asset_triggered');
    expect(Object.keys(ctx.triggeringAssetEvents).sort()).toEqual([
      's3://airstep-lake/customers',
      's3://airstep-lake/orders',
    ]);
    expect(ctx.triggeringAssetEvents['s3://airstep-lake/orders']).toEqual([
      expect.objectContaining({
        sourceDagId: 'asset_producer',
        sourceTaskId: 'load_orders',
        sourceRunId: produced.runId,
      }),
    ]);
    const consumed = await stack.runEnded('asset_consumer', ctx.runId, ['report']);
    expect(consumed?.run.state).toBe('success');
  }, 300_000);
});
