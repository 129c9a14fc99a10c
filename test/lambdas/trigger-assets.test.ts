import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetConditionIR } from '../../lib/compiler/asset-ir.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { RunPayload } from '../../lib/compiler/worker-contract.ts';
import { markPaused, markUnpaused } from '../../lib/dynamo/dag-pause.ts';
import type { DagRecord } from '../../lib/dynamo/dag-record.ts';
import type { RunningEmulator } from '../../lib/emulator/launcher.ts';
import { type AssetEventResult, assetEventArrived } from '../../lib/runs/asset-consumers.ts';
import { readBook } from '../../lib/runs/asset-event-store.ts';
import type { TriggerResult } from '../../lib/runs/trigger-run.ts';
import { manifestKey } from '../../lib/runtime/dag-bundle.ts';
import { dag, asset as sdkAsset } from '../../lib/sdk/index.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import { airstep, stackOutputs } from '../cli/cloud-stack-helpers.ts';
import { type TriggerOnMoto, triggerOnMoto } from '../helpers/trigger-on-moto.ts';

/**
 * The trigger's asset events against moto's DynamoDB and Step Functions (real conditional writes, real
 * StartExecution name idempotency), through the trigger Lambda's handler with its calls checked against the
 * trigger role's policies: an event is recorded once, the consumers of its asset are served, and a condition met
 * starts one `asset_triggered` run with the events in its context — under concurrency, redelivery and a crash.
 */
let moto: RunningEmulator;
let tables: TriggerOnMoto['tables'];
let sfn: SFNClient;
let handler: TriggerOnMoto['handler'];
let dynamo: TriggerOnMoto['dynamo'];
let deployDag: TriggerOnMoto['deployDag'];

beforeAll(async () => {
  ({ moto, tables, sfn, handler, dynamo, deployDag } = await triggerOnMoto('assets'));
});
afterAll(async () => {
  await moto?.stop();
});

const asset = (uri: string): AssetConditionIR => ({ kind: 'asset', uri });
const consumerOf = (dagId: string, assets: AssetConditionIR, options: Partial<DagRecord> = {}) =>
  deployDag(dagId, {
    params: {},
    schedule: { expression: null, timezone: 'UTC', catchup: false },
    assets,
    assetsSince: '2026-12-01T00:00:00.000Z',
    ...options,
  });
const event = (uri: string, eventId: string, timestamp = '2026-12-07T10:00:00.000Z') => ({
  kind: 'asset' as const,
  uri,
  eventId,
  timestamp,
  sourceDagId: 'producer',
  sourceTaskId: 'load',
  sourceRunId: 'manual__2026-12-07T09:00:00+00:00',
});
const executions = async (record: DagRecord) =>
  (await sfn.send(new ListExecutionsCommand({ stateMachineArn: record.stateMachineArn }))).executions ?? [];
const inputOf = async (executionArn: string) =>
  JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn }))).input!) as RunPayload;
const asAsset = (result: TriggerResult) => {
  expect(result.outcome).toBe('asset');
  return result as AssetEventResult;
};
const eventItems = async (uri: string) =>
  (
    await dynamo().send(
      new QueryCommand({
        TableName: tables.runs,
        KeyConditionExpression: 'dagId = :a',
        ExpressionAttributeValues: { ':a': { S: `asset#${uri}` } },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('trigger Lambda: asset events', () => {
  it('starts ONE run of an allOf consumer when its two events arrive together, with both in its context', async () => {
    const record = await consumerOf('both_assets', { kind: 'all', of: [asset('s3://t/a'), asset('s3://t/b')] });
    const [first, second] = await Promise.all([
      handler(event('s3://t/a', 'run1/load/try1/0', '2026-12-07T10:00:00.000Z')),
      handler(event('s3://t/b', 'run1/load/try1/1', '2026-12-07T10:00:00.500Z')),
    ]);
    const outcomes = [asAsset(first!), asAsset(second!)].map((result) => result.consumers[0]!.outcome).sort();
    // Served one after the other under the consumer's lease: the first waits, the second finds both and runs.
    expect(outcomes).toEqual(['run', 'waiting']);
    const started = await executions(record);
    expect(started).toHaveLength(1);
    const { ctx } = await inputOf(started[0]!.executionArn!);
    expect(ctx.runType).toBe('asset_triggered');
    expect(ctx.runId).toMatch(/^asset_triggered__/);
    expect(Object.keys(ctx.triggeringAssetEvents ?? {}).sort()).toEqual(['s3://t/a', 's3://t/b']);
    expect(ctx.triggeringAssetEvents?.['s3://t/b']).toEqual([
      {
        uri: 's3://t/b',
        timestamp: '2026-12-07T10:00:00.500Z',
        sourceDagId: 'producer',
        sourceTaskId: 'load',
        sourceRunId: 'manual__2026-12-07T09:00:00+00:00',
        extra: {},
      },
    ]);
  });

  it('records a redelivered event once and starts no second run for it, even when both deliveries race', async () => {
    const record = await consumerOf('one_asset', asset('s3://t/one'));
    const delivery = event('s3://t/one', 'run2/load/try1/0');
    const [a, b] = await Promise.all([handler(delivery), handler(delivery)]);
    expect([asAsset(a!).recorded, asAsset(b!).recorded].sort()).toEqual([false, true]);
    const again = asAsset(await handler(delivery));
    expect(again.recorded).toBe(false);
    expect(again.consumers).toEqual([{ dagId: 'one_asset', outcome: 'waiting', waitingFor: ['s3://t/one'] }]);
    expect(await eventItems('s3://t/one')).toHaveLength(1);
    expect(await executions(record)).toHaveLength(1);

    // A new event on the asset is queued anew: a second run, with that event only.
    const next = asAsset(await handler(event('s3://t/one', 'run3/load/try1/0', '2026-12-07T11:00:00.000Z')));
    expect(next.consumers[0]).toMatchObject({ outcome: 'run', consumed: 1, run: { outcome: 'started' } });
    const runs = await executions(record);
    expect(runs).toHaveLength(2);
    const contexts = await Promise.all(runs.map((run) => inputOf(run.executionArn!)));
    expect(
      contexts.map(({ ctx }) => ctx.triggeringAssetEvents?.['s3://t/one']?.map((e) => e.timestamp)).sort(),
    ).toEqual([['2026-12-07T10:00:00.000Z'], ['2026-12-07T11:00:00.000Z']]);
  });

  it('a delivery that dies after claiming the run leaves it to the redelivery: one run, with the claimed events', async () => {
    const record = await consumerOf('crashy', asset('s3://t/crash'));
    // The first delivery's StartExecution never happens: the process dies there (after the claim was written).
    const dying = {
      send: async (command: unknown) => {
        if (command instanceof StartExecutionCommand) throw new Error('the Lambda died here');
        return sfn.send(command as never);
      },
    } as unknown as SFNClient;
    const delivery = event('s3://t/crash', 'run4/load/try1/0');
    await expect(
      assetEventArrived(delivery, tables, new Date('2026-12-07T12:00:00.000Z'), { dynamo: dynamo(), sfn: dying }),
    ).rejects.toThrow('the Lambda died here');
    expect(await executions(record)).toHaveLength(0);
    const { stored } = await readBook(dynamo(), tables.dags, 'crashy');
    expect(stored?.pending?.at).toBe('2026-12-07T12:00:00.000Z');

    const redelivered = asAsset(await handler(delivery));
    expect(redelivered.consumers[0]).toMatchObject({ outcome: 'run', consumed: 1, run: { outcome: 'started' } });
    // Once more (Lambda's retry of an invocation that had in fact finished): nothing new.
    expect(asAsset(await handler(delivery)).consumers[0]).toMatchObject({ outcome: 'waiting' });
    const runs = await executions(record);
    expect(runs.map((run) => run.name)).toEqual(['asset_triggered__2026-12-07T12_00_00_00_00']);
    const { ctx } = await inputOf(runs[0]!.executionArn!);
    expect(ctx.triggeringAssetEvents?.['s3://t/crash']).toHaveLength(1);
    expect((await readBook(dynamo(), tables.dags, 'crashy')).stored?.pending).toBeUndefined();
  });

  it('queues no event for a paused consumer (Airflow 3): what arrives while paused never triggers it', async () => {
    const record = await consumerOf('paused_consumer', { kind: 'all', of: [asset('s3://t/p1'), asset('s3://t/p2')] });
    expect(await markPaused(dynamo(), tables.dags, record, record, new Date('2026-12-07T09:00:00Z'))).toBe(true);
    const whilePaused = asAsset(await handler(event('s3://t/p1', 'run5/load/try1/0')));
    expect(whilePaused.consumers).toEqual([{ dagId: 'paused_consumer', outcome: 'paused' }]);
    expect(await markUnpaused(dynamo(), tables.dags, 'paused_consumer')).toBe(true);
    // p2 alone does not meet the condition: p1's event came while the DAG was paused.
    const after = asAsset(await handler(event('s3://t/p2', 'run6/load/try1/0', '2026-12-07T10:30:00.000Z')));
    expect(after.consumers).toEqual([{ dagId: 'paused_consumer', outcome: 'waiting', waitingFor: ['s3://t/p1'] }]);
    const met = asAsset(await handler(event('s3://t/p1', 'run7/load/try1/0', '2026-12-07T10:45:00.000Z')));
    expect(met.consumers[0]).toMatchObject({ outcome: 'run', consumed: 2 });
    expect(await executions(record)).toHaveLength(1);
  });

  it('admits asset-triggered runs as any other: at maxActiveRuns the run is queued, its events consumed', async () => {
    const record = await consumerOf('one_at_a_time', asset('s3://t/busy'), { maxActiveRuns: 1 });
    const first = asAsset(await handler(event('s3://t/busy', 'run8/load/try1/0', '2026-12-07T13:00:00.000Z')));
    expect(first.consumers[0]).toMatchObject({ outcome: 'run', run: { outcome: 'started' } });
    const second = asAsset(await handler(event('s3://t/busy', 'run9/load/try1/0', '2026-12-07T13:05:00.000Z')));
    expect(second.consumers[0]).toMatchObject({ outcome: 'run', consumed: 1, run: { outcome: 'queued' } });
    expect(await executions(record)).toHaveLength(1);
  });

  it('serves only live consumers of the asset, from when they started consuming', async () => {
    const late = await consumerOf('late_consumer', asset('s3://t/late'), { assetsSince: '2026-12-07T15:00:00.000Z' });
    const gone = await consumerOf('deleted_consumer', asset('s3://t/late'), { disabled: true });
    const before = asAsset(await handler(event('s3://t/late', 'run10/load/try1/0', '2026-12-07T14:00:00.000Z')));
    // The event is older than the consumer's start: not its (Airflow queues events for existing DAGs only).
    expect(before.consumers).toEqual([{ dagId: 'late_consumer', outcome: 'waiting', waitingFor: ['s3://t/late'] }]);
    const after = asAsset(await handler(event('s3://t/late', 'run11/load/try1/0', '2026-12-07T15:30:00.000Z')));
    expect(after.consumers[0]).toMatchObject({ dagId: 'late_consumer', outcome: 'run', consumed: 1 });
    expect(await executions(gone)).toHaveLength(0);
    expect(await executions(late)).toHaveLength(1);
  });

  it('refuses an asset event with a malformed field, naming each', async () => {
    expect(await handler({ kind: 'asset', uri: '', eventId: 7, timestamp: 'soon', extra: [] })).toEqual({
      outcome: 'refused',
      code: 'UNREADABLE_EVENT',
      problems: [
        "uri must be a non-empty string, got ''",
        'eventId must be a string of 1-1024 characters, got 7',
        "timestamp 'soon' is not an ISO date",
        'extra must be a JSON object, got a list',
      ],
    });
  });

  it('airstep assets --outputs shows the deployed assets, producers, consumers and last events; runs shows the run', async () => {
    const producer = dag({ id: 'cli_producer' });
    producer.task('publish', { outlets: [sdkAsset('s3://t/cli')] }, async () => 1);
    const bucket = 'airstep-bucket';
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: emulatorCredentials,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: manifestKey('cli_producer', 'v1'),
        Body: JSON.stringify(compileDag(producer).manifest),
      }),
    );
    await deployDag('cli_producer');
    await consumerOf('cli_consumer', { kind: 'all', of: [asset('s3://t/cli'), asset('s3://t/cli_other')] });
    await consumerOf('cli_watched', {
      kind: 'any',
      of: [
        asset('s3://t/cli_w'),
        {
          kind: 'asset',
          uri: 's3://t/landing/',
          watchers: [{ kind: 's3ObjectCreated', name: 'landed', bucket: 't', prefix: 'landing/' }],
        },
      ],
    });
    await handler({
      ...event('s3://t/cli', 'cli/publish/try1/0', '2026-12-07T16:00:00.000Z'),
      sourceDagId: 'cli_producer',
      sourceTaskId: 'publish',
    });
    const scratch = await mkdtemp(join(tmpdir(), 'airstep-assets-cli-'));
    try {
      const outputs = join(scratch, 'cdk-outputs.json');
      await writeFile(outputs, JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-trigger') }));
      const listed = await airstep(moto.env, 'assets', '--outputs', outputs, '--json');
      expect([listed.code, listed.stderr]).toEqual([0, '']);
      const catalog = JSON.parse(listed.stdout);
      expect(catalog.assets.find((entry: { uri: string }) => entry.uri === 's3://t/cli')).toMatchObject({
        producers: [{ dagId: 'cli_producer', taskId: 'publish' }],
        consumers: [{ dagId: 'cli_consumer', condition: 's3://t/cli & s3://t/cli_other' }],
        lastEvent: { timestamp: '2026-12-07T16:00:00.000Z', sourceDagId: 'cli_producer', sourceTaskId: 'publish' },
        events: 1,
      });
      // Each asset's watchers are listed with it.
      expect(catalog.assets.find((entry: { uri: string }) => entry.uri === 's3://t/landing/').watchers).toEqual([
        { name: 'landed', watches: 'S3 objects created in s3://t/landing/' },
      ]);
      // `list --outputs` says what each deployed DAG runs on.
      const dags = await airstep(moto.env, 'list', '--outputs', outputs, '--json');
      expect(
        JSON.parse(dags.stdout)
          .dags.filter((d: { dagId: string }) => d.dagId.startsWith('cli_'))
          .map((d: { dagId: string; schedule: string | null; assets?: string }) => [d.dagId, d.schedule, d.assets]),
      ).toEqual([
        ['cli_consumer', null, 's3://t/cli & s3://t/cli_other'],
        ['cli_producer', '@daily', undefined],
        ['cli_watched', null, 's3://t/cli_w | s3://t/landing/'],
      ]);
      const dagTable = await airstep(moto.env, 'list', '--outputs', outputs);
      expect(dagTable.stdout).toMatch(/cli_consumer\s+on assets: s3:\/\/t\/cli & s3:\/\/t\/cli_other\s/);
      expect(catalog.consumers.find((entry: { dagId: string }) => entry.dagId === 'cli_consumer')).toEqual({
        dagId: 'cli_consumer',
        condition: 's3://t/cli & s3://t/cli_other',
        queued: 0,
        queueing: true,
        waitingFor: ['s3://t/cli_other'],
      });
      const table = await airstep(moto.env, 'assets', '--outputs', outputs);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(
        /s3:\/\/t\/cli\s+cli_producer › publish\s+cli_consumer\s+2026-12-07T16:00:00.000Z by cli_producer › publish/,
      );
      expect(table.stdout).toMatch(
        /cli_consumer\s+s3:\/\/t\/cli & s3:\/\/t\/cli_other\s+waiting for s3:\/\/t\/cli_other/,
      );
      // An asset-triggered run is listed by `runs` as any other, its run id saying how it started.
      const runs = await airstep(moto.env, 'runs', 'one_asset', '--outputs', outputs, '--json');
      expect(runs.code).toBe(0);
      const ids = JSON.parse(runs.stdout).runs.map((run: { runId: string }) => run.runId);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(id).toMatch(/^asset_triggered__/);
      expect(await airstep(moto.env, 'assets', 'dags', '--outputs', outputs)).toMatchObject({ code: 2 });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }, 120_000);

  it("tasks --outputs --json carries the asset events a deployed run's tasks recorded, once each, as run --json does locally", async () => {
    await deployDag('json_producer', { params: {} });
    const started = await handler({ kind: 'manual', dagId: 'json_producer', runId: 'manual__json-run' });
    expect(started).toMatchObject({ outcome: 'started', runId: 'manual__json-run' });
    const outlet = (uri: string, eventId: string, sourceRunId: string, timestamp: string) => ({
      ...event(uri, eventId, timestamp),
      sourceDagId: 'json_producer',
      sourceTaskId: 'load',
      sourceRunId,
      extra: { rows: 3 },
    });
    await handler(
      outlet('s3://t/json-a', 'manual__json-run/load/try1/0', 'manual__json-run', '2026-12-07T17:00:00.000Z'),
    );
    await handler(
      outlet('s3://t/json-b', 'manual__json-run/load/try1/1', 'manual__json-run', '2026-12-07T17:00:01.000Z'),
    );
    // A redelivery of the first, and an event of another run of the DAG.
    await handler(
      outlet('s3://t/json-a', 'manual__json-run/load/try1/0', 'manual__json-run', '2026-12-07T17:00:00.000Z'),
    );
    await handler(outlet('s3://t/json-a', 'manual__other/load/try1/0', 'manual__other', '2026-12-07T17:00:02.000Z'));
    const scratch = await mkdtemp(join(tmpdir(), 'airstep-tasks-json-'));
    try {
      const outputs = join(scratch, 'cdk-outputs.json');
      await writeFile(outputs, JSON.stringify({ AirstepStack: stackOutputs(tables, 'airstep-trigger') }));
      const shown = await airstep(
        moto.env,
        'tasks',
        'manual__json-run',
        '--dag',
        'json_producer',
        '--outputs',
        outputs,
        '--json',
      );
      expect([shown.code, shown.stderr]).toEqual([0, '']);
      const { run, assetEvents } = JSON.parse(shown.stdout);
      expect(run.runId).toBe('manual__json-run');
      // Ordered by their ids, which sort by timestamp (distinct here).
      expect(assetEvents).toMatchObject([
        {
          uri: 's3://t/json-a',
          eventId: 'manual__json-run/load/try1/0',
          timestamp: '2026-12-07T17:00:00.000Z',
          sourceDagId: 'json_producer',
          sourceTaskId: 'load',
          sourceRunId: 'manual__json-run',
          extra: { rows: 3 },
        },
        { uri: 's3://t/json-b', eventId: 'manual__json-run/load/try1/1', timestamp: '2026-12-07T17:00:01.000Z' },
      ]);
      expect(assetEvents).toHaveLength(2);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});
