import { InvalidSecretNameError } from '../sdk/secret-errors.ts';

/** Names that fit an SSM parameter, a secret name, a JSON key and (upper-cased) an environment variable. */
const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export type SecretKind = 'variable' | 'connection';

export function checkSecretName(kind: SecretKind, name: string): string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) throw new InvalidSecretNameError(kind, String(name));
  return name;
}

/**
 * The environment variable a variable or connection is read from, as Airflow's `AIRFLOW_VAR_<KEY>` /
 * `AIRFLOW_CONN_<ID>`: the name upper-cased (so `ctx.variable('bucket')` reads `AIRSTEP_VAR_BUCKET`).
 */
export function secretEnvName(kind: SecretKind, name: string): string {
  return `${kind === 'variable' ? 'AIRSTEP_VAR_' : 'AIRSTEP_CONN_'}${name.toUpperCase()}`;
}

/**
 * Airflow's sensitive field names (`DEFAULT_SENSITIVE_FIELDS`, plus `key` as a whole): a variable, or a connection's
 * extra field, whose name contains one is masked in logs.
 */
export const SENSITIVE_NAME_PARTS = [
  'access_token',
  'api_key',
  'apikey',
  'authorization',
  'passphrase',
  'passwd',
  'password',
  'private_key',
  'secret',
  'token',
  'key',
  'keyfile_dict',
  'service_account',
  'credential',
] as const;

/** Case-insensitive, and `-` counts as `_` (`API-KEY` is as sensitive as `api_key`). */
export function isSensitiveName(name: string): boolean {
  const normal = name.toLowerCase().replaceAll('-', '_');
  return SENSITIVE_NAME_PARTS.some((part) => normal.includes(part));
}
