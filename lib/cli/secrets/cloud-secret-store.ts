import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { SecretKind } from '../../runtime/secret-names.ts';
import {
  connectionSecretName,
  connectionsPath,
  variableParameterName,
  variablesPath,
} from '../../stack-contract/secrets-paths.ts';
import { cloudSecrets } from '../../worker/cloud-secrets.ts';
import type { SecretStore } from './secret-store.ts';

const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);

/**
 * The deployed stack's Variables (SSM parameters `/<prefix>/variables/<name>`, written as SecureString) and
 * Connections (Secrets Manager secrets `<prefix>/connections/<id>`), with the caller's own AWS credentials (and
 * `AWS_ENDPOINT_URL`). `get` reads exactly as the workers do (cloud-secrets.ts).
 */
export function cloudSecretStore(prefix: string, source: string): SecretStore {
  const ssm = new SSMClient({});
  const secretsManager = new SecretsManagerClient({});
  // A fresh reader per command: the CLI wants the value as it is now, not a cached one.
  const reader = cloudSecrets({ ssm, secretsManager }, prefix);
  const gone = (error: unknown) => {
    if (NOT_FOUND.has((error as Error).name)) return false;
    throw error;
  };
  return {
    place: `${source} (prefix ${prefix})`,
    lookedIn: (kind, name) => `${source}: ${reader.describe(kind, name)}`,
    get: async (kind, name) => {
      const found = await reader.read(kind, name);
      return found === undefined ? undefined : { name, ...found };
    },
    set: async (kind, name, text) => {
      if (kind === 'variable') {
        const parameter = variableParameterName(prefix, name);
        await ssm.send(
          new PutParameterCommand({ Name: parameter, Value: text, Type: 'SecureString', Overwrite: true }),
        );
        return `SSM parameter ${parameter}`;
      }
      const secret = connectionSecretName(prefix, name);
      try {
        await secretsManager.send(new CreateSecretCommand({ Name: secret, SecretString: text }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceExistsException') throw error;
        await secretsManager.send(new PutSecretValueCommand({ SecretId: secret, SecretString: text }));
      }
      return `Secrets Manager secret ${secret}`;
    },
    delete: async (kind, name) => {
      try {
        if (kind === 'variable') {
          await ssm.send(new DeleteParameterCommand({ Name: variableParameterName(prefix, name) }));
        } else {
          // DeleteSecret with ForceDeleteWithoutRecovery answers success for a secret that does not exist.
          await secretsManager.send(new DescribeSecretCommand({ SecretId: connectionSecretName(prefix, name) }));
          // At once, as Airflow's `connections delete`: a recovery window would keep the name taken for 7+ days.
          await secretsManager.send(
            new DeleteSecretCommand({ SecretId: connectionSecretName(prefix, name), ForceDeleteWithoutRecovery: true }),
          );
        }
        return true;
      } catch (error) {
        return gone(error);
      }
    },
    list: async (kind: SecretKind) => {
      const names: string[] = [];
      if (kind === 'variable') {
        const path = variablesPath(prefix);
        let NextToken: string | undefined;
        do {
          // The path as SSM names a hierarchy: without its trailing slash.
          const page = await ssm.send(
            new GetParametersByPathCommand({ Path: path.slice(0, -1), Recursive: false, NextToken }),
          );
          for (const parameter of page.Parameters ?? []) names.push(parameter.Name!.slice(path.length));
          NextToken = page.NextToken;
        } while (NextToken !== undefined);
        return names.sort().map((name) => ({ name, where: `SSM parameter ${variableParameterName(prefix, name)}` }));
      }
      const path = connectionsPath(prefix);
      let NextToken: string | undefined;
      do {
        const page = await secretsManager.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [path] }], NextToken }),
        );
        // The name filter matches a prefix of any word; keep exactly the secrets under the path.
        for (const secret of page.SecretList ?? [])
          if (secret.Name?.startsWith(path)) names.push(secret.Name.slice(path.length));
        NextToken = page.NextToken;
      } while (NextToken !== undefined);
      return names
        .sort()
        .map((name) => ({ name, where: `Secrets Manager secret ${connectionSecretName(prefix, name)}` }));
    },
  };
}
