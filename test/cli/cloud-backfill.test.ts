import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { ExecutionStatus } from '../../lib/compiler/run-states.ts';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { recordExecution } from '../../lib/runs/record-execution.ts';
import { type CloudRun, listRuns } from '../../lib/runs/run-history.ts';
import { manifestKey } from '../../lib/runtime/dag-bundle.ts';
import { dag } from '../../lib/sdk/index.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';
import { deployDagRecord } from '../helpers/deployed-dag.ts';
import { deployTriggerLambda } from '../helpers/trigger-lambda.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';

/**
 * `airstep backfill <dag> --outputs` as a child process against MiniStack, which runs the trigger Lambda
 * (`lambdas/trigger/index.ts` bundled and deployed as a function) and the executions it starts. In the stack
 * the recorder Lambda hears each execution end through EventBridge; here the test delivers those status changes
 * to the recorder's own code (`recordExecution`, which also starts the next queued run), so the runs table ends
 * as the stack's would. (moto runs no Lambda code.)
 */
const region = 'us-east-1';
const FUNCTION = 'airstep-trigger';
let ministack: RunningEmulator;
let sfn: SFNClient;
let tables: Awaited<ReturnType<typeof createStackTables>>;
let alertsTopicArn: string;
let scratch: string;
let outputsFile: string;
let cli: (...args: string[]) => Promise<CliRun>;
const dynamo = () => dynamoFor(ministack.endpoint);
const day = (d: string) => `backfill__2026-11-${d}T00:00:00+00:00`;

/** A run fails on 2026-11-03 and succeeds on any other day, at once. */
const FAILS_ON_THE_3RD = {
  StartAt: 'which day',
  States: {
    'which day': {
      Type: 'Choice',
      Choices: [{ Variable: '$.ctx.ds', StringEquals: '2026-11-03', Next: 'fail' }],
      Default: 'done',
    },
    fail: { Type: 'Fail', Error: 'TaskFailed', Cause: 'the 3rd is broken' },
    done: { Type: 'Succeed' },
  },
};

const deployDag = (dagId: string, options: Partial<DagRecord> & { definition?: object } = {}) =>
  deployDagRecord({ sfn, dynamo: dynamo(), dagsTable: tables.dags }, dagId, options);
const runsOf = async (dagId: string) =>
  new Map((await listRuns(dynamo(), tables.runs, dagId)).map((run) => [run.runId, run] as [string, CloudRun]));
const executionsOf = async (record: DagRecord) =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? [];

/**
 * Plays EventBridge for the recorder: each execution of `record` that has ended is handed to `recordExecution`
 * once, until `stop` is called. Returns the order in which it saw runs end.
 */
function deliverEndsToRecorder(record: DagRecord): { stop: () => Promise<void>; ended: string[] } {
  const sns = new SNSClient({ endpoint: ministack.endpoint, region, credentials: emulatorCredentials });
  const seen = new Set<string>();
  const ended: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const execution of await executionsOf(record)) {
        if (execution.status === 'RUNNING' || seen.has(execution.executionArn!)) continue;
        seen.add(execution.executionArn!);
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn! }));
        const recorded = await recordExecution(
          {
            executionArn: described.executionArn!,
            stateMachineArn: described.stateMachineArn!,
            name: described.name!,
            status: described.status as ExecutionStatus,
            startDate: described.startDate!.getTime(),
            stopDate: described.stopDate?.getTime() ?? null,
            input: described.input ?? null,
            output: described.output ?? null,
          },
          {
            dynamo: dynamo(),
            tables,
            alertsTopicArn,
            sfn,
            sns,
          },
        );
        if (recorded !== undefined) ended.push(recorded.runId);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    ended,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The CLI as a child process whose output can be watched while it runs. */
function startCli(...args: string[]) {
  const child = spawn(process.execPath, ['bin/airstep.js', ...args], {
    env: { ...process.env, ...ministack.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const out = { stdout: '', stderr: '' };
  const watchers: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString();
    for (const watcher of watchers) if (out.stdout.includes(watcher.text)) watcher.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    out,
    exited,
    /** Resolves once stdout holds `text`, or when the CLI exits without it. */
    printed: (text: string) =>
      Promise.race([new Promise<void>((resolve) => watchers.push({ text, resolve })), exited.then(() => undefined)]),
  };
}

beforeAll(async () => {
  ministack = await startEmulator('ministack');
  const clientConfig = { endpoint: ministack.endpoint, region, credentials: emulatorCredentials };
  sfn = new SFNClient(clientConfig);
  tables = await createStackTables(dynamo(), 'cbackfill');
  const sqs = new SQSClient(clientConfig);
  const failedEventsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'cbackfill-failed-events' }))).QueueUrl!;
  alertsTopicArn = (await new SNSClient(clientConfig).send(new CreateTopicCommand({ Name: 'cbackfill-alerts' })))
    .TopicArn!;
  await deployTriggerLambda(ministack, { tables, failedEventsQueueUrl: failedEventsUrl, functionName: FUNCTION });
  scratch = await mkdtemp(join(tmpdir(), 'airstep-cli-cbackfill-'));
  outputsFile = join(scratch, 'cdk-outputs.json');
  await writeFile(outputsFile, JSON.stringify({ AirstepStack: stackOutputs(tables, FUNCTION) }, null, 2));
  cli = (...args) => airstep(ministack.env, ...args);
}, 180_000);

afterAll(async () => {
  await ministack?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('Command: airstep backfill <dag> --outputs (MiniStack runs the trigger Lambda)', () => {
  it('starts maxActiveRuns runs and queues the rest, waits for every run to end, and prints the summary', async () => {
    const record = await deployDag('daily_sales', { maxActiveRuns: 2, definition: FAILS_ON_THE_3RD });
    const backfill = startCli(
      'backfill',
      'daily_sales',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-04',
      '--outputs',
      outputsFile,
    );
    // Runs end only once the recorder hears of it: delivering ends from the moment every run was asked for makes
    // the admission of each run (started or queued) the same however fast the executions end.
    await backfill.printed('waiting for');
    const recorder = deliverEndsToRecorder(record);
    const code = await backfill.exited;
    await recorder.stop();
    const result = { code, ...backfill.out };
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `daily_sales: backfill of 4 runs on ${outputsFile} › AirstepStack, 2 at a time (the rest wait in the queue)`,
    );
    expect(lines.slice(1, 5)).toEqual([
      `  started ${day('01')}`,
      `  started ${day('02')}`,
      `  queued  ${day('03')} (2 active)`,
      `  queued  ${day('04')} (2 active)`,
    ]);
    expect(lines[5]).toBe('waiting for 4 runs (Ctrl-C stops waiting; the runs go on)');
    const table = lines.slice(lines.indexOf('run id                               state    duration'));
    expect(table.slice(1, 5).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      [day('01'), 'success'],
      [day('02'), 'success'],
      [day('03'), 'failed'],
      [day('04'), 'success'],
    ]);
    expect(table[5]).toBe('backfill failed: 3 success, 1 failed');
    // The queued runs started only when the first two had ended, oldest first (the recorder took them in order).
    const runs = await runsOf('daily_sales');
    const [r1, r2, r3, r4] = ['01', '02', '03', '04'].map((d) => runs.get(day(d))!);
    expect([r1, r2, r3, r4].map((run) => [run!.runType, run!.state])).toEqual([
      ['backfill', 'success'],
      ['backfill', 'success'],
      ['backfill', 'failed'],
      ['backfill', 'success'],
    ]);
    expect(recorder.ended.indexOf(day('03'))).toBeGreaterThan(
      Math.min(recorder.ended.indexOf(day('01')), recorder.ended.indexOf(day('02'))),
    );
    expect(r3!.startedAt! >= [r1!.endedAt!, r2!.endedAt!].sort()[0]!).toBe(true);
    expect(r4!.startedAt! >= [r1!.endedAt!, r2!.endedAt!].sort()[1]!).toBe(true);

    // Again over a wider range, without waiting, newest first: what exists is left alone (Airflow's default
    // reprocess behavior, none), failed runs too; the new intervals start.
    const again = await cli(
      'backfill',
      'daily_sales',
      '--from',
      '2026-11-02',
      '--to',
      '2026-11-06',
      '--reverse',
      '--no-wait',
      '--json',
      '--outputs',
      outputsFile,
    );
    expect(again.code, again.stderr).toBe(0);
    const parsed = JSON.parse(again.stdout) as {
      waited: boolean;
      runs: Array<{ runId: string; state: string; note?: string }>;
    };
    expect(parsed.waited).toBe(false);
    expect(parsed.runs.map((run) => [run.runId, run.state, run.note])).toEqual([
      [day('06'), 'running', undefined],
      [day('05'), 'running', undefined],
      [day('04'), 'skipped', 'already succeeded'],
      [day('03'), 'skipped', 'already failed'],
      [day('02'), 'skipped', 'already succeeded'],
    ]);
    const names = (await executionsOf(record)).map((execution) => execution.name).sort();
    expect(names).toEqual(['01', '02', '03', '04', '05', '06'].map((d) => `backfill__2026-11-${d}T00_00_00_00_00`));

    // --reprocess failed runs the failed 3rd again as a clear of the whole run (its execution name is taken), and
    // starts the new 7th; the 5th and 6th still run (no recorder heard their ends yet) and are left alone. The
    // clear's plan reads the DAG version's manifest, as dag-sync stores it.
    const s3 = new S3Client({
      endpoint: ministack.endpoint,
      region,
      credentials: emulatorCredentials,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'airstep-bucket' }));
    const sales = dag({ id: 'daily_sales', schedule: '@daily', startDate: '2026-11-01' });
    sales.task('sell', async () => 1);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'airstep-bucket',
        Key: manifestKey('daily_sales', record.dagVersion),
        Body: JSON.stringify(compileDag(sales).manifest),
      }),
    );
    const range = ['daily_sales', '--from', '2026-11-03', '--to', '2026-11-07', '--reprocess', 'failed'];
    const dry = await cli('backfill', ...range, '--dry-run', '--outputs', outputsFile);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`  again   ${day('03')} (failed; cleared whole)`);
    const reprocess = startCli('backfill', ...range, '--outputs', outputsFile);
    await reprocess.printed('waiting for');
    const recorder2 = deliverEndsToRecorder(record);
    const reprocessed = { code: await reprocess.exited, ...reprocess.out };
    await recorder2.stop();
    expect(reprocessed.code, reprocessed.stderr).toBe(1);
    expect(reprocessed.stdout.split('\n').slice(1, 6)).toEqual([
      `  queued  ${day('03')} (2 active; again, as a clear)`,
      `  skipped ${day('04')} (already succeeded)`,
      `  skipped ${day('05')} (running)`,
      `  skipped ${day('06')} (running)`,
      `  queued  ${day('07')} (2 active)`,
    ]);
    const after = await runsOf('daily_sales');
    // The 3rd fails again (its state machine fails on the 3rd), now as its first clear; the 7th succeeds.
    expect(after.get(day('03'))).toMatchObject({ state: 'failed', clears: 1 });
    expect(after.get(day('03'))!.executionArn).toMatch(/:backfill__2026-11-03T00_00_00_00_00__clear1$/);
    expect(after.get(day('07'))).toMatchObject({ state: 'success', runType: 'backfill' });
  }, 240_000);

  it('--dry-run lists the runs it would start (newest first with --reverse) and those it skips, and starts nothing', async () => {
    const record = await deployDag('dry_sales', { maxActiveRuns: 1 });
    const started = await cli('trigger', 'dry_sales', '--date', '2026-11-02', '--outputs', outputsFile);
    expect(started.code, started.stderr).toBe(0);
    // A manual run is not a backfill run: only backfill__ ids count as the interval's run.
    const dry = await cli(
      'backfill',
      'dry_sales',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-03',
      '--reverse',
      '--dry-run',
      '--outputs',
      outputsFile,
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([
      'dry_sales: 3 runs from 2026-11-01 to 2026-11-03 (dry run: nothing starts)',
      'run id                               logical date               data interval',
      `${day('03')}  2026-11-03T00:00:00+00:00  2026-11-03T00:00:00+00:00 → 2026-11-04T00:00:00+00:00`,
      `${day('02')}  2026-11-02T00:00:00+00:00  2026-11-02T00:00:00+00:00 → 2026-11-03T00:00:00+00:00`,
      `${day('01')}  2026-11-01T00:00:00+00:00  2026-11-01T00:00:00+00:00 → 2026-11-02T00:00:00+00:00`,
      '',
    ]);
    expect((await executionsOf(record)).map((execution) => execution.name)).toEqual([
      'manual__2026-11-02T00_00_00_00_00',
    ]);
    expect([...(await runsOf('dry_sales')).keys()]).toEqual(['manual__2026-11-02T00:00:00+00:00']);
  });

  it('Ctrl-C while waiting stops the waiting only: the run goes on', async () => {
    const record = await deployDag('held_sales');
    const backfill = startCli(
      'backfill',
      'held_sales',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-01',
      '--outputs',
      outputsFile,
    );
    await backfill.printed('waiting for 1 run');
    backfill.child.kill('SIGINT');
    expect(await backfill.exited).toBe(1);
    const { stdout } = backfill.out;
    expect(stdout).toContain(
      `stopped waiting: 1 run(s) go on in the cloud; follow them with \`airstep runs held_sales --outputs ${outputsFile}\``,
    );
    expect(stdout).toContain('backfill failed: 1 running');
    const [execution] = await executionsOf(record);
    expect([execution?.name, execution?.status]).toEqual(['backfill__2026-11-01T00_00_00_00_00', 'RUNNING']);
  }, 120_000);

  it('refuses bad input with exit 2 and starts nothing', async () => {
    await deployDag('monthly_sales', {
      schedule: { expression: '@monthly', timezone: 'UTC', startDate: '2026-01-01', catchup: false },
    });
    await deployDag('hourly_sales', {
      schedule: { expression: '@hourly', timezone: 'UTC', startDate: '2026-01-01', catchup: false },
    });
    await deployDag('by_hand', { schedule: { expression: null, timezone: 'UTC', catchup: false } });
    await deployDag('retired_sales', { disabled: true });
    const range = ['--from', '2026-11-01', '--to', '2026-11-03', '--outputs', outputsFile];
    const cases: Array<[string[], string]> = [
      [['nope', ...range], `no DAG 'nope' is deployed (${outputsFile} › AirstepStack)`],
      [['retired_sales', ...range], 'DAG retired_sales is disabled (its file was deleted): nothing to backfill'],
      [
        ['monthly_sales', '--from', '2026-11-05', '--to', '2026-11-01', '--outputs', outputsFile],
        "dags/monthly_sales.ts › dag monthly_sales › to: to '2026-11-01' is before from '2026-11-05'",
      ],
      [
        ['monthly_sales', '--from', '2026-11-02', '--to', '2026-11-20', '--outputs', outputsFile],
        'dags/monthly_sales.ts › dag monthly_sales › schedule: no interval of "@monthly" (UTC) has its logical date from 2026-11-02 to 2026-11-20; nothing to backfill',
      ],
      [
        ['hourly_sales', '--from', '2026-01-01', '--to', '2026-03-01', '--outputs', outputsFile],
        "dags/hourly_sales.ts › dag hourly_sales › to: from '2026-01-01' to '2026-03-01' holds more than 1000 runs; backfill a shorter range",
      ],
      [['by_hand', ...range], 'schedule null has no intervals to backfill'],
      [['monthly_sales', ...range, '--speed', '10'], '--speed is for the local engine'],
      [['monthly_sales', ...range, '--reprocess', 'all'], "--reprocess: 'all' is not one of none, failed, completed"],
      [['monthly_sales', ...range, '--conf', '{"x":'], '--conf: '],
      [
        ['monthly_sales', '--from', '2026-11-01', '--outputs', outputsFile],
        'backfill needs both --from DATE and --to DATE',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => cli('backfill', ...args)));
    for (const [index, [args, message]] of cases.entries()) {
      expect([results[index]!.code, results[index]!.stdout], args.join(' ')).toEqual([2, '']);
      expect(results[index]!.stderr, args.join(' ')).toContain(message);
    }
    for (const dagId of ['monthly_sales', 'hourly_sales', 'by_hand', 'retired_sales'])
      expect((await runsOf(dagId)).size).toBe(0);
  });
});
