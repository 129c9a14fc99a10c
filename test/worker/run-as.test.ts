import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { workerTasksOf } from '../../lib/compiler/worker-contract.ts';
import { unlistedRunAsProblems } from '../../lib/local/project-config.ts';
import { taskAws } from '../../lib/runtime/task-aws.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { formatProblem } from '../../lib/sdk/errors.ts';
import { runAsSessionName } from '../../lib/worker/run-as.ts';

const READER = 'arn:aws:iam::444455556666:role/data-reader';

describe('runAs: session names', () => {
  it('names the session by DAG, task and run, with the characters STS refuses replaced', () => {
    expect(runAsSessionName('etl', 'load', 'manual__2026-11-22T00:00:00+00:00')).toBe(
      'etl.load.manual__2026-11-22T00-00-00+00-00',
    );
  });

  it('keeps a long name within 64 characters, its start readable and its end a hash of the whole', () => {
    const run = 'scheduled__2026-11-22T00:00:00+00:00';
    const long = runAsSessionName('customer_orders_daily', 'warehouse.load_fact_orders_partitioned', run);
    const other = runAsSessionName('customer_orders_daily', 'warehouse.load_fact_orders_partitioned', `${run}x`);
    for (const name of [long, other]) {
      expect(name).toHaveLength(64);
      expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
      expect(name.startsWith('customer_orders_daily.warehouse.load_fact')).toBe(true);
    }
    // Runs differing only past the cut still get different sessions.
    expect(long).not.toBe(other);
  });
});

describe('runAs: compiled', () => {
  it('reaches the manifest and the worker for code tasks and poll sensors, from defaultArgs or the task, and is omitted when unset', () => {
    const d = dag({ id: 'run_as_compiled', defaultArgs: { runAs: READER } });
    const a = d.task('a', async () => 1);
    const b = d.task('b', { runAs: 'arn:aws-cn:iam::444455556666:role/path/writer' }, async () => 2).after(a);
    d.task('c', { runAs: undefined }, async () => 3).after(b);
    d.empty('done').after(b);
    const compiled = compileDag(d);
    expect(compiled.problems).toEqual([]);
    const runAs = Object.fromEntries(compiled.manifest!.tasks.map((task) => [task.id, task.runAs]));
    expect(runAs).toEqual({
      a: READER,
      b: 'arn:aws-cn:iam::444455556666:role/path/writer',
      c: undefined,
      done: undefined,
    });
    expect('runAs' in compiled.manifest!.tasks.find((task) => task.id === 'c')!).toBe(false);
    expect(workerTasksOf(compiled.manifest!).get('a')?.runAs).toBe(READER);
  });

  it('refuses what is no role ARN, in defaultArgs once and on a task, naming the field', () => {
    const d = dag({ id: 'run_as_bad', defaultArgs: { runAs: 'arn:aws:iam::444455556666:user/me' } });
    d.task('a', async () => 1);
    d.task('b', { runAs: 'arn:aws:iam::4444:role/short-account' }, async () => 2);
    expect(compileDag(d, { file: 'dags/x.ts' }).problems.map(formatProblem)).toEqual([
      'dags/x.ts › dag run_as_bad › defaultArgs.runAs: must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)',
      'dags/x.ts › dag run_as_bad › task b › runAs: must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)',
    ]);
  });
});

describe('runAs: locally', () => {
  it('is a problem when airstep.config.json does not list the role, saying where to list it', () => {
    const d = dag({ id: 'run_as_local' });
    d.task('read', { runAs: READER }, async () => 1);
    d.task('plain', async () => 2);
    const { ir } = compileDag(d);
    expect(unlistedRunAsProblems(ir, 'dags/x.ts', { assumableRoleArns: [READER] })).toEqual([]);
    expect(unlistedRunAsProblems(ir, 'dags/x.ts', { assumableRoleArns: [] }).map(formatProblem)).toEqual([
      `dags/x.ts › dag run_as_local › task read › runAs: ${READER} is not a role this project may assume: list it in airstep.config.json "assumableRoleArns" (and in the Airstep construct's assumableRoleArns for the cloud)`,
    ]);
  });
});

describe('runAs: ctx.aws', () => {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  afterEach(() => {
    if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = endpoint;
  });

  it("makes clients with the assumed role's credentials, or the default chain without a role", async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
    const assumed = taskAws({ roleArn: READER, credentials });
    expect(assumed.roleArn).toBe(READER);
    const client = assumed.client(S3Client, { region: 'eu-west-1' });
    expect(await client.config.credentials()).toMatchObject(credentials);
    expect(await client.config.region()).toBe('eu-west-1');
    const own = taskAws();
    expect(own.roleArn).toBeUndefined();
    expect(own.credentials).toBeUndefined();
    expect(own.client(S3Client, { region: 'eu-west-1' }).config.forcePathStyle).toBe(false);
  });

  it('sends clients to the emulator in AWS_ENDPOINT_URL, path-style', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    const client = taskAws().client(S3Client, { region: 'us-east-1' });
    expect(client.config.forcePathStyle).toBe(true);
    const resolved = await client.config.endpoint?.();
    expect(resolved?.hostname).toBe('127.0.0.1');
  });
});
