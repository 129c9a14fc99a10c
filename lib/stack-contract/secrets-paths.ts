/**
 * Where a deployed Airstep keeps Variables and Connections: SSM parameters `/<prefix>/variables/<name>` and Secrets
 * Manager secrets `<prefix>/connections/<id>`. The construct grants the workers exactly these two paths and sets
 * the prefix in their environment; the CLI finds it in the stack's outputs. Shared here so the names cannot drift.
 */

/** The stack output holding the prefix. Optional for the CLI: a stack deployed before it existed has the default. */
export const SECRETS_PREFIX_OUTPUT = 'SecretsPrefix';

/** A prefix the construct accepts: path segments of letters, digits, `_ . -`, never starting with `aws` or `ssm`. */
export const SECRETS_PREFIX = /^(?![Aa][Ww][Ss]|[Ss][Ss][Mm])[A-Za-z0-9_.-]{1,64}(\/[A-Za-z0-9_.-]{1,64}){0,4}$/;

/** The construct's default prefix, and the one the CLI derives for a stack without the output. */
export function defaultSecretsPrefix(stackName: string): string {
  return `airstep/${stackName}`;
}

/** The SSM path variables live under (GetParametersByPath lists it): `/<prefix>/variables/`. */
export function variablesPath(prefix: string): string {
  return `/${prefix}/variables/`;
}

export function variableParameterName(prefix: string, name: string): string {
  return `${variablesPath(prefix)}${name}`;
}

/** The secret-name prefix connections live under: `<prefix>/connections/`. */
export function connectionsPath(prefix: string): string {
  return `${prefix}/connections/`;
}

export function connectionSecretName(prefix: string, id: string): string {
  return `${connectionsPath(prefix)}${id}`;
}
