import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDagRecord } from '../../lib/runtime/dag-record.ts';
import { type DagSyncDeps, dagFileChanges, syncDagFile } from '../../lib/runtime/dag-sync.ts';
import { type RunningEmulator, startEmulator } from '../../localstack/launcher.ts';
import { createStackTables, dynamoFor, emulatorCredentials } from '../../localstack/stack-tables.ts';

/**
 * dag-sync on moto (S3, Step Functions, EventBridge Scheduler, DynamoDB). DAG files are evaluated in a child
 * process as on Lambda; tsx stands in for Node 24's own type stripping there.
 */
const BUCKET = 'airstep-sync-test';
let moto: RunningEmulator;
let deps: DagSyncDeps;
let s3: S3Client;
let tables: Awaited<ReturnType<typeof createStackTables>>;

const upload = async (name: string) => {
  const key = `dags/${name}`;
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(`test/fixtures/dag-sync/${name}`) }),
  );
  return key;
};
const s3Event = (kind: 'ObjectCreated:Put' | 'ObjectRemoved:Delete', key: string) =>
  JSON.stringify({ Records: [{ eventName: kind, s3: { bucket: { name: BUCKET }, object: { key } } }] });
const sync = async (kind: 'ObjectCreated:Put' | 'ObjectRemoved:Delete', key: string) => {
  const [change] = dagFileChanges(s3Event(kind, key));
  return syncDagFile(change!, deps);
};

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const region = 'us-east-1';
  s3 = new S3Client({ endpoint: moto.endpoint, region, forcePathStyle: true, credentials: emulatorCredentials });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const dynamo = dynamoFor(moto.endpoint);
  tables = await createStackTables(dynamo, 'sync');
  const scheduler = new SchedulerClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials });
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'airstep-dags' }));
  deps = {
    s3,
    sfn: new SFNClient({ endpoint: moto.endpoint, region, credentials: emulatorCredentials }),
    dynamo,
    scheduler,
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
    evaluator: { module: resolve('lib/runtime/dag-evaluator-main.ts'), execArgv: ['--import', 'tsx/esm'] },
    limits: { timeoutMs: 4000 },
    // Scheduler checks StartDate against its own clock, so the sync uses the real one.
    now: () => new Date(),
  };
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});

describe('dag-sync', () => {
  it('deploys a DAG file: bundle, state machine, schedule, DAG record; the same content again changes nothing', async () => {
    const key = await upload('good.ts');
    const first = await sync('ObjectCreated:Put', key);
    expect(first).toEqual({ file: key, outcome: 'deployed', dags: ['sync_nightly'], errors: [] });
    const record = await readDagRecord(deps.dynamo, tables.dags, 'sync_nightly');
    expect(record).toMatchObject({ dagId: 'sync_nightly', file: key, disabled: false, maxActiveRuns: 16 });
    const machine = await deps.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: record!.stateMachineArn }));
    expect(machine.name).toBe('airstep-sync_nightly');
    expect(machine.definition).toContain('https://sqs.us-east-1.amazonaws.com/123456789012/tasks');
    expect(machine.definition).not.toContain('${');
    const schedule = await deps.scheduler.send(
      new GetScheduleCommand({ Name: 'sync_nightly--0', GroupName: 'airstep-dags' }),
    );
    expect([schedule.ScheduleExpression, schedule.ScheduleExpressionTimezone]).toEqual([
      'cron(30 2 * * ? *)',
      'Europe/Berlin',
    ]);
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({
      kind: 'scheduled',
      dagId: 'sync_nightly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });

    expect(await sync('ObjectCreated:Put', key)).toEqual({ ...first, outcome: 'unchanged' });
  });

  it('records broken, hostile and unbundled files as import errors naming the file, and deploys nothing for them', async () => {
    const cycle = await sync('ObjectCreated:Put', await upload('cycle.ts'));
    expect(cycle).toEqual({
      file: 'dags/cycle.ts',
      outcome: 'import-error',
      errors: ['dags/cycle.ts › dag sync_cycle › task a › upstream: dependency cycle: a -> b -> a'],
    });
    const hostile = await sync('ObjectCreated:Put', await upload('hostile.ts'));
    expect(hostile).toEqual({
      file: 'dags/hostile.ts',
      outcome: 'import-error',
      errors: ['dags/hostile.ts › import did not finish within 4 s (a loop at import?)'],
    });
    const helper = await sync('ObjectCreated:Put', await upload('helper_import.ts'));
    expect(helper.outcome).toBe('import-error');
    expect((helper as { errors: string[] }).errors[0]).toMatch(/^dags\/helper_import\.ts › imports '\.\/label\.ts'/);
    const recorded = await deps.dynamo.send(
      new GetItemCommand({ TableName: tables.importErrors, Key: { file: { S: 'dags/hostile.ts' } } }),
    );
    expect(JSON.parse(recorded.Item!.errors!.S!)).toEqual((hostile as { errors: string[] }).errors);
    expect(await readDagRecord(deps.dynamo, tables.dags, 'sync_hostile')).toBeUndefined();
    // The good DAG is untouched by its broken neighbours.
    expect((await readDagRecord(deps.dynamo, tables.dags, 'sync_nightly'))?.disabled).toBe(false);
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
    const result = await sync('ObjectCreated:Put', 'dags/s3_medallion_ingestion.mjs');
    expect(result).toEqual({
      file: 'dags/s3_medallion_ingestion.mjs',
      outcome: 'deployed',
      dags: ['s3_medallion_ingestion'],
      errors: [],
    });
  });

  it('disables the DAGs of a deleted file and removes their schedules', async () => {
    expect(await sync('ObjectRemoved:Delete', 'dags/good.ts')).toEqual({
      file: 'dags/good.ts',
      outcome: 'disabled',
      dags: ['sync_nightly'],
    });
    expect((await readDagRecord(deps.dynamo, tables.dags, 'sync_nightly'))?.disabled).toBe(true);
    const left = await deps.scheduler.send(
      new ListSchedulesCommand({ GroupName: 'airstep-dags', NamePrefix: 'sync_nightly--' }),
    );
    expect(left.Schedules ?? []).toEqual([]);
  });
});
