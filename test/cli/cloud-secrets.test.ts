import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { SECRETS_PREFIX_OUTPUT } from '../../lib/stack-contract/secrets-paths.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import { airstep, type CliRun, stackOutputs } from './cloud-stack-helpers.ts';

/**
 * `airstep variables|connections … --outputs` as child processes against moto's SSM and Secrets Manager: what they
 * write is where the workers read (checked with the SDK), `connections get` masks unless --reveal, and a stack
 * deployed before the `SecretsPrefix` output gets the prefix the construct derives from its name.
 */
const PASSWORD = 'n0t-in-any-log!';
const tables = { dags: 'd', runs: 'r', taskInstances: 't', importErrors: 'i' };
let moto: RunningEmulator;
let scratch: string;
let withPrefix: (...args: string[]) => Promise<CliRun>;
let beforePrefix: (...args: string[]) => Promise<CliRun>;
let ssm: SSMClient;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  moto = await startEmulator('moto');
  const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  ssm = new SSMClient(config);
  secretsManager = new SecretsManagerClient(config);
  scratch = await mkdtemp(join(tmpdir(), 'airstep-cloud-secrets-'));
  const current = join(scratch, 'current.json');
  const older = join(scratch, 'older.json');
  const outputs = stackOutputs(tables, 'airstep-trigger');
  await writeFile(current, JSON.stringify({ TeamStack: { ...outputs, [SECRETS_PREFIX_OUTPUT]: 'team/etl' } }));
  await writeFile(older, JSON.stringify({ OldStack: outputs }));
  withPrefix = (...args) => airstep(moto.env, ...args, '--outputs', current);
  beforePrefix = (...args) => airstep(moto.env, ...args, '--outputs', older);
});
afterAll(async () => {
  await moto?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('Command: airstep variables / connections --outputs', () => {
  it('sets a variable as a SecureString under the prefix, and gets, lists and deletes it', async () => {
    expect(await withPrefix('variables', 'set', 'bucket', 'raw-data')).toMatchObject({ code: 0 });
    expect(await withPrefix('variables', 'set', 'bucket', 'raw-data-2')).toMatchObject({ code: 0 });
    const parameter = await ssm.send(
      new GetParameterCommand({ Name: '/team/etl/variables/bucket', WithDecryption: true }),
    );
    expect(parameter.Parameter).toMatchObject({ Type: 'SecureString', Value: 'raw-data-2' });
    expect(await withPrefix('variables', 'get', 'bucket')).toMatchObject({ code: 0, stdout: 'raw-data-2\n' });
    expect(JSON.parse((await withPrefix('variables', 'list', '--json')).stdout)).toEqual([
      { name: 'bucket', where: 'SSM parameter /team/etl/variables/bucket' },
    ]);
    expect(JSON.parse((await withPrefix('variables', 'delete', 'bucket', '--json')).stdout)).toEqual({
      name: 'bucket',
      deleted: true,
    });
    const missing = await withPrefix('variables', 'get', 'bucket');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SSM parameter /team/etl/variables/bucket');
  });

  it('stores a connection in Airflow JSON under the prefix, masks it on get unless --reveal, replaces and deletes it', async () => {
    const uri = `mysql://etl:${encodeURIComponent(PASSWORD)}@db:3306/sales`;
    expect(await withPrefix('connections', 'set', 'warehouse', uri)).toMatchObject({ code: 0 });
    const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: 'team/etl/connections/warehouse' }));
    expect(JSON.parse(secret.SecretString!)).toEqual({
      conn_type: 'mysql',
      host: 'db',
      port: 3306,
      login: 'etl',
      password: PASSWORD,
      schema: 'sales',
    });
    const masked = await withPrefix('connections', 'get', 'warehouse', '--json');
    expect(JSON.parse(masked.stdout)).toMatchObject({
      password: '***',
      where: 'Secrets Manager secret team/etl/connections/warehouse',
    });
    expect(masked.stdout).not.toContain(PASSWORD);
    expect(
      JSON.parse((await withPrefix('connections', 'get', 'warehouse', '--reveal', '--json')).stdout).password,
    ).toBe(PASSWORD);
    // Set again: the secret gets a new value (PutSecretValue), not an error.
    expect(await withPrefix('connections', 'set', 'warehouse', '{"conn_type":"mysql","host":"db2"}')).toMatchObject({
      code: 0,
    });
    expect(JSON.parse((await withPrefix('connections', 'get', 'warehouse', '--json')).stdout).host).toBe('db2');
    expect(JSON.parse((await withPrefix('connections', 'list', '--json')).stdout)).toEqual([
      { name: 'warehouse', where: 'Secrets Manager secret team/etl/connections/warehouse' },
    ]);
    expect(JSON.parse((await withPrefix('connections', 'delete', 'warehouse', '--json')).stdout).deleted).toBe(true);
    expect(JSON.parse((await withPrefix('connections', 'delete', 'warehouse', '--json')).stdout).deleted).toBe(false);
  });

  it('uses airstep/<stack name> for a stack deployed before the SecretsPrefix output', async () => {
    expect(await beforePrefix('variables', 'set', 'region', 'eu-west-1')).toMatchObject({ code: 0 });
    const parameter = await ssm.send(
      new GetParameterCommand({ Name: '/airstep/OldStack/variables/region', WithDecryption: true }),
    );
    expect(parameter.Parameter?.Value).toBe('eu-west-1');
    expect(await withPrefix('variables', 'get', 'region')).toMatchObject({ code: 2 });
  });
});
