import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalSecretsFileError,
  localSecretSources,
  readSecretsFile,
  SECRETS_FILE,
  writeSecretsFile,
} from '../../lib/local/local-secrets.ts';
import { SecretMasker } from '../../lib/runtime/secret-masker.ts';
import { TaskSecrets } from '../../lib/runtime/task-secrets.ts';

let project: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-local-secrets-'));
  await writeFile(
    join(project, 'airstep.config.json'),
    JSON.stringify({ variables: { region: 'config-region', bucket: 'config-bucket', only_config: 'c' } }),
  );
  await writeSecretsFile(
    {
      variables: { bucket: 'file-bucket', only_file: 'f' },
      connections: { db: { conn_type: 'postgres', host: 'file-host', password: 'file-password' } },
    },
    project,
  );
});
afterAll(async () => rm(project, { recursive: true, force: true }));

const secretsWith = (env: NodeJS.ProcessEnv) => new TaskSecrets(localSecretSources(project, env), new SecretMasker());

describe('Function: localSecretSources', () => {
  it('reads the environment first, then airstep.secrets.json, then airstep.config.json', async () => {
    const secrets = secretsWith({ AIRSTEP_VAR_REGION: 'env-region', AIRSTEP_VAR_BUCKET: 'env-bucket' });
    expect(await secrets.variable('bucket')).toBe('env-bucket');
    expect(await secrets.variable('region')).toBe('env-region');
    const noEnv = secretsWith({});
    expect([await noEnv.variable('bucket'), await noEnv.variable('region'), await noEnv.variable('only_file')]).toEqual(
      ['file-bucket', 'config-region', 'f'],
    );
  });

  it('reads connections from the environment, then the secrets file, never from the config', async () => {
    expect((await secretsWith({}).connection('db')).host).toBe('file-host');
    const fromEnv = secretsWith({ AIRSTEP_CONN_DB: '{"conn_type":"postgres","host":"env-host"}' });
    expect((await fromEnv.connection('db')).host).toBe('env-host');
    await expect(secretsWith({}).connection('absent')).rejects.toThrow(
      `connection 'absent' is not defined (looked in AIRSTEP_CONN_ABSENT, ${SECRETS_FILE})`,
    );
  });

  it('names every place in the message of a variable set nowhere', async () => {
    await expect(secretsWith({}).variable('absent')).rejects.toThrow(
      `variable 'absent' is not set (looked in AIRSTEP_VAR_ABSENT, ${SECRETS_FILE}, airstep.config.json "variables")`,
    );
  });

  it('refuses a name that could not be stored in the cloud', async () => {
    await expect(secretsWith({}).variable('has space')).rejects.toThrow(
      "variable name 'has space' must be 1-128 letters, digits, _ . or -",
    );
  });

  it('writes the secrets file readable by its owner only', async () => {
    expect((await stat(join(project, SECRETS_FILE))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(project, SECRETS_FILE), 'utf8')).variables.bucket).toBe('file-bucket');
  });

  it('names the file and the field of a malformed secrets file', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'airstep-local-secrets-broken-'));
    try {
      await writeFile(join(broken, SECRETS_FILE), JSON.stringify({ variables: { a: 1 } }));
      await expect(readSecretsFile(broken)).rejects.toThrow(LocalSecretsFileError);
      await expect(readSecretsFile(broken)).rejects.toThrow(
        `${join(broken, SECRETS_FILE)}: variables › a: expected a string`,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
