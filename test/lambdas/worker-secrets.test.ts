import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/launcher.ts';
import { STACK_ENV } from '../../lib/stack-contract/stack-env.ts';
import { cloudSecrets, SECRETS_CACHE_TTL_MS } from '../../lib/worker/cloud-secrets.ts';
import { emulatorCredentials } from '../../localstack/stack-tables.ts';
import secretsReader from '../fixtures/local/secrets_reader.ts';
import { driveWorker } from '../helpers/drive-worker.ts';
import { startRunOnEmulator, workerOnEmulator } from '../helpers/worker-on-emulator.ts';
import { asRole } from '../iam/stack-role.ts';

/**
 * Variables and Connections on the worker Lambda's handler against moto's SSM and Secrets Manager: the fixture DAG
 * reads a variable, a sensitive variable and a connection under the stack's prefix and logs the password; the run
 * succeeds with the values, and the handler's Powertools log lines show `***` in their place. The handler runs as
 * the worker role, so the IAM check proves the stack lets it make these reads.
 */
const PREFIX = 'airstep/SecretsTest';
const PASSWORD = 'w0rker-side-pw!';
const TOKEN = 'xoxb-worker-token';
let moto: RunningEmulator;
let ssm: SSMClient;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  moto = await startEmulator('moto');
  Object.assign(process.env, moto.env);
  const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: emulatorCredentials };
  ssm = new SSMClient(config);
  secretsManager = new SecretsManagerClient(config);
  const put = (name: string, value: string) =>
    ssm.send(new PutParameterCommand({ Name: `/${PREFIX}/variables/${name}`, Value: value, Type: 'SecureString' }));
  await put('bucket', 'cloud-bucket');
  await put('slack_token', TOKEN);
  await secretsManager.send(
    new CreateSecretCommand({
      Name: `${PREFIX}/connections/warehouse`,
      SecretString: `postgres://etl:${encodeURIComponent(PASSWORD)}@warehouse.internal:5432/analytics`,
    }),
  );
});
afterAll(async () => {
  await moto?.stop();
});

describe('worker Lambda: Variables and Connections', () => {
  it('reads them from SSM and Secrets Manager under the prefix, and masks what it logs', async () => {
    // Read by the handler module when it loads, as the construct sets it.
    process.env[STACK_ENV.secretsPrefix] = PREFIX;
    const stack = await workerOnEmulator(moto, { bucket: 'airstep-worker-secrets', prefix: 'secrets' });
    const { executionArn } = await startRunOnEmulator(stack, 'test/fixtures/local/secrets_reader.ts', secretsReader, {
      machineName: 'airstep-secrets_reader',
    });
    // The Powertools logger writes each line to stdout: kept here to look for the secrets.
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    let drove: Awaited<ReturnType<typeof driveWorker>>;
    try {
      drove = await driveWorker({
        sqs: stack.sqs,
        sfn: stack.sfn,
        handler: stack.handler,
        queues: [stack.taskQueue, stack.controlQueue],
        executionArn,
      });
    } finally {
      process.stdout.write = write;
    }
    expect(drove.failures).toEqual([]);
    expect(drove.described?.status).toBe('SUCCEEDED');
    const { tasks } = JSON.parse(drove.described!.output!) as { tasks: Record<string, { state: string }> };
    // (A leaf's result is not kept in the run's state: its log says what it read.)
    expect(tasks.read).toMatchObject({ state: 'success' });
    const log = lines.join('');
    expect(log).toContain('bucket cloud-bucket region us-east-1 token ***');
    expect(log).toContain('connecting to warehouse.internal:5432 as etl with ***');
    expect(log).toContain('printed with password ***');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(TOKEN);
  });

  it('keeps a value for the cache TTL per container, then reads it again; a name not found is not kept', async () => {
    let now = 0;
    const source = cloudSecrets({ ssm, secretsManager }, PREFIX, () => now);
    const read = asRole('worker', (name: string) => source.read('variable', name), { secretsPrefix: PREFIX });
    expect((await read('bucket'))?.text).toBe('cloud-bucket');
    await ssm.send(
      new PutParameterCommand({
        Name: `/${PREFIX}/variables/bucket`,
        Value: 'changed',
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    now = SECRETS_CACHE_TTL_MS - 1;
    expect((await read('bucket'))?.text).toBe('cloud-bucket');
    now = SECRETS_CACHE_TTL_MS;
    expect(await read('bucket')).toEqual({ text: 'changed', where: `SSM parameter /${PREFIX}/variables/bucket` });
    expect(await read('later')).toBeUndefined();
    await ssm.send(new PutParameterCommand({ Name: `/${PREFIX}/variables/later`, Value: 'now set', Type: 'String' }));
    expect((await read('later'))?.text).toBe('now set');
  });
});
