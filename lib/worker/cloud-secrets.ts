import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SecretKind } from '../runtime/secret-names.ts';
import { environmentSecrets, type SecretSource, type StoredSecret } from '../runtime/secret-source.ts';
import { connectionSecretName, variableParameterName } from '../stack-contract/secrets-paths.ts';

/**
 * How long a worker container keeps a value it read from SSM or Secrets Manager: a minute, so the tries a warm
 * Lambda container runs back to back cost one read per name, and a value changed with `airstep variables set
 * --stack` reaches every task within a minute. A name not found is not kept (the next try asks again).
 */
export const SECRETS_CACHE_TTL_MS = 60_000;

/** Errors meaning "no such name" (not "not allowed", which must fail the try loudly). */
const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);

export interface CloudSecretClients {
  readonly ssm: SSMClient;
  readonly secretsManager: SecretsManagerClient;
}

/**
 * Variables from SSM Parameter Store (`/<prefix>/variables/<name>`, String or SecureString, decrypted) and
 * Connections from Secrets Manager (`<prefix>/connections/<id>`, a URI or Airflow's JSON), cached per container
 * for `SECRETS_CACHE_TTL_MS`. The source is made once per container; every try of it shares the cache.
 */
export function cloudSecrets(clients: CloudSecretClients, prefix: string, now: () => number = Date.now): SecretSource {
  const cache = new Map<string, { readonly value: StoredSecret; readonly until: number }>();
  const placeOf = (kind: SecretKind, name: string) =>
    kind === 'variable'
      ? `SSM parameter ${variableParameterName(prefix, name)}`
      : `Secrets Manager secret ${connectionSecretName(prefix, name)}`;
  const fetch = async (kind: SecretKind, name: string): Promise<string | undefined> => {
    try {
      if (kind === 'variable') {
        const answer = await clients.ssm.send(
          new GetParameterCommand({ Name: variableParameterName(prefix, name), WithDecryption: true }),
        );
        return answer.Parameter?.Value;
      }
      const answer = await clients.secretsManager.send(
        new GetSecretValueCommand({ SecretId: connectionSecretName(prefix, name) }),
      );
      return answer.SecretString;
    } catch (error) {
      if (NOT_FOUND.has((error as Error).name)) return undefined;
      throw error;
    }
  };
  return {
    describe: placeOf,
    read: async (kind, name) => {
      const key = `${kind}:${name}`;
      const kept = cache.get(key);
      if (kept !== undefined && kept.until > now()) return kept.value;
      const text = await fetch(kind, name);
      if (text === undefined) {
        cache.delete(key);
        return undefined;
      }
      const value = { text, where: placeOf(kind, name) };
      cache.set(key, { value, until: now() + SECRETS_CACHE_TTL_MS });
      return value;
    },
  };
}

/**
 * Where a cloud worker's tries read: the stack's SSM / Secrets Manager prefix (`AIRSTEP_SECRETS_PREFIX`, which the
 * construct always sets; a harness running the worker alone may leave it out), then
 * the worker's environment (`AIRSTEP_VAR_*`, `AIRSTEP_CONN_*`), as Airflow asks its secrets backend before the
 * environment. Made once per container, so its cache lives as long as the container.
 */
export function workerSecretSources(prefix: string | undefined, env: NodeJS.ProcessEnv = process.env): SecretSource[] {
  const places = [environmentSecrets(env)];
  if (prefix === undefined) return places;
  return [cloudSecrets({ ssm: new SSMClient({}), secretsManager: new SecretsManagerClient({}) }, prefix), ...places];
}
