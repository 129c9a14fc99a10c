import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import convert from '../../dags/examples/csv_to_json.ts';
import native from '../../dags/examples/native_steps.ts';
import sensing from '../../dags/examples/s3_key_sensor_ingestion.ts';
import weather from '../../dags/examples/weather_etl.ts';
import medallion from '../../dags/s3_medallion_ingestion.ts';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { AwsServiceResources } from '../../lib/local/aws-service-resources.ts';
import { Clock } from '../../lib/local/clock.ts';
import { seedExampleBuckets } from '../../lib/local/example-buckets.ts';
import type { TaskCall, TaskResources } from '../../lib/local/interpreter.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { expectPromptStarts } from '../helpers/prompt-starts.ts';
import { manualContext } from '../helpers/run-context.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * The example DAGs that read and write AWS services, run in the local engine against MiniStack (S3, DynamoDB,
 * SNS, EventBridge): the task code talks to S3 through the SDK, native steps through the engine's AWS resources.
 */
let emulator: RunningEmulator;
let s3: S3Client;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeAll(async () => {
  emulator = await startEmulator('ministack');
  Object.assign(process.env, emulator.env);
  s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await seedExampleBuckets(s3);
});
afterAll(async () => {
  await emulator?.stop();
});

const byId = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t]));
const states = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((t) => t.mapIndex < 0).map((t) => [t.taskId, t.state]));
const readJson = async (bucket: string, key: string) =>
  JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());

/**
 * The engine's native steps are what a deployed state machine calls itself: they run as the state machines' role,
 * so the IAM check proves the default stack allows the examples' service integrations.
 */
function nativeSteps(): TaskResources {
  const resources = AwsServiceResources.fromEnvironment();
  return { invoke: asRole('stateMachine', (call: TaskCall) => resources.invoke(call)) };
}

async function run(dag: Dag, clock?: Clock) {
  return runDagLocally({
    dag,
    ctx: manualContext(dag),
    native: nativeSteps(),
    ...(clock !== undefined ? { clock } : {}),
  });
}

describe('Local engine on MiniStack: example DAGs that use AWS', () => {
  it('s3_medallion_ingestion: raw -> processed -> analytics', async () => {
    const { execution, tasks } = await run(medallion);
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({
      ingest_customers: 'success',
      ingest_orders: 'success',
      generate_analytics_summary: 'success',
    });
    expect(byId(tasks).ingest_customers!.output).toEqual({
      key: 'processed/customers/ds=2026-11-22/customers.json',
      rows: 5,
      missingEmail: 1,
    });
    const summary = await readJson('airstep-analytics', 'analytics/daily_summary/ds=2026-11-22/summary.json');
    expect(summary).toMatchObject({ ds: '2026-11-22', customers: 5, orders: 5, revenue: 311.74 });
    expectPromptStarts(medallion, tasks);
  });

  it('csv_to_json: converts in a worker, archives with a native S3 copy whose key is a template', async () => {
    const { execution, tasks } = await run(convert);
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ convert: 'success', archive_source: 'success' });
    expect(byId(tasks).convert!.output).toEqual({ target: 'raw/customers.json', rows: 5 });
    const rows = await readJson('airstep-raw', 'raw/customers.json');
    expect(rows[0]).toMatchObject({ customer_id: 'C001', country: 'GB' });
    const archived = await s3.send(
      new GetObjectCommand({ Bucket: 'airstep-raw', Key: `archive/2026-11-22/${manualContext(convert).runId}.csv` }),
    );
    expect(await archived.Body!.transformToString()).toContain('customer_id,name,email');
    expectPromptStarts(convert, tasks);
  });

  it('weather_etl: extract, transform and load daily statistics per station', async () => {
    const { execution, tasks } = await run(weather);
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ extract: 'success', transform: 'success', load: 'success' });
    const daily = await readJson('airstep-raw', 'processed/weather/ds=2026-11-22/daily.json');
    expect(daily).toContainEqual({ station: 'BER', minTempC: 3.1, maxTempC: 7.4, meanWindKmh: 15 });
    expectPromptStarts(weather, tasks);
  });

  it('weather_etl: with no observations, extract skips itself (SkipError, no retry) and transform and load skip', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'airstep-weather-empty' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'airstep-weather-empty', Key: 'raw/weather/observations.json', Body: '[]' }),
    );
    const { execution, tasks } = await runDagLocally({
      dag: weather,
      ctx: manualContext(weather, { bucket: 'airstep-weather-empty' }),
      native: nativeSteps(),
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ extract: 'skipped', transform: 'skipped', load: 'skipped' });
    expect(byId(tasks).extract).toMatchObject({ tries: 1, reason: 'no observations for 2026-11-22' });
  });

  it('s3_key_sensor_ingestion: pokes (a Wait loop) until the export lands, then ingests it', async () => {
    // The export lands once a poke has found nothing and the sensor waits (30 s poke interval at 100x: 0.3 s of real
    // time), not after a fixed second: a run slow to start on a loaded machine would find it at its first poke.
    let landing: Promise<unknown> | undefined;
    const { execution, tasks } = await runDagLocally({
      dag: sensing,
      ctx: manualContext(sensing),
      native: nativeSteps(),
      clock: new Clock({ speed: 100 }),
      onEvent: (event) => {
        if (landing !== undefined || event.type !== 'StateEntered' || event.stateName !== 'wait_for_export:wait')
          return;
        landing = s3.send(
          new PutObjectCommand({
            Bucket: 'airstep-raw',
            Key: 'exports/2026-11-22/export.json',
            Body: JSON.stringify([{ id: 1 }, { id: 2 }, { id: 3 }]),
          }),
        );
      },
    });
    await landing;
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({ wait_for_export: 'success', ingest_export: 'success' });
    expect(byId(tasks).wait_for_export!.tries).toBeGreaterThan(1);
    expect(byId(tasks).ingest_export!.output).toEqual({ rows: 3 });
  });

  it('native_steps: S3 list, short-circuit, DynamoDB put, wait, SNS and EventBridge without a worker', async () => {
    const dynamo = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'airstep-audit',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const sns = new SNSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials });
    await sns.send(new CreateTopicCommand({ Name: 'airstep-alerts' }));

    // The sensor test above left one export for 2026-11-22, so the short-circuit lets the run go on.
    const { execution, tasks } = await run(native, new Clock({ speed: 100 }));
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({
      list_exports: 'success',
      has_exports: 'success',
      record_audit: 'success',
      cool_down: 'success',
      done: 'success',
      notify: 'success',
      emit_event: 'success',
      always_cleanup: 'success',
    });
    const item = await dynamo.send(
      new GetItemCommand({ TableName: 'airstep-audit', Key: { pk: { S: `run#${manualContext(native).runId}` } } }),
    );
    expect(item.Item).toEqual({
      pk: { S: `run#${manualContext(native).runId}` },
      ds: { S: '2026-11-22' },
      files: { S: '1 files' },
    });
  });
});
