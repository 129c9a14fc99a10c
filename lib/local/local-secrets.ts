import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AirstepError } from '../errors/airstep-error.ts';
import type { SecretKind } from '../runtime/secret-names.ts';
import { environmentSecrets, type SecretSource } from '../runtime/secret-source.ts';

/**
 * Variables and Connections on one machine. Task code reads, in this order (the first place holding the name wins):
 * 1. the environment: `AIRSTEP_VAR_<NAME>` / `AIRSTEP_CONN_<ID>` (a URI or JSON), as Airflow's `AIRFLOW_VAR_*`;
 * 2. `airstep.secrets.json` at the project root, kept out of git (`{ "variables": {…}, "connections": {…} }`),
 *    which `airstep variables set` / `airstep connections set` write;
 * 3. `airstep.config.json`'s `"variables"`: non-secret values that belong in the repository (never connections).
 */
export const SECRETS_FILE = 'airstep.secrets.json';
const CONFIG_FILE = 'airstep.config.json';

/** What `airstep.secrets.json` holds: variable values, and connections as a URI or Airflow's JSON form. */
export interface SecretsFileContent {
  readonly variables: Readonly<Record<string, string>>;
  readonly connections: Readonly<Record<string, string | Record<string, unknown>>>;
}

/** The secrets file or the config's variables are not what they should be; the message names the file and field. */
export class LocalSecretsFileError extends AirstepError {
  override readonly name = 'LocalSecretsFileError';
  readonly path: string;

  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(`${path}: ${message}`, { code: 'INVALID_SECRETS_FILE', ...options });
    this.path = path;
  }
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LocalSecretsFileError(path, `not JSON: ${(error as Error).message}`, { cause: error });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads `airstep.secrets.json` in `dir`; no file is an empty one. */
export async function readSecretsFile(dir = '.'): Promise<SecretsFileContent> {
  const path = join(dir, SECRETS_FILE);
  const json = await readJson(path);
  if (json === undefined) return { variables: {}, connections: {} };
  if (!isObject(json)) throw new LocalSecretsFileError(path, 'expected { "variables": {…}, "connections": {…} }');
  const unknown = Object.keys(json).filter((key) => key !== 'variables' && key !== 'connections' && key !== '$schema');
  if (unknown.length > 0) {
    throw new LocalSecretsFileError(path, `unknown field ${unknown.join(', ')} (expected variables, connections)`);
  }
  return {
    variables: stringValues(path, 'variables', json.variables),
    connections: connectionValues(path, json.connections),
  };
}

/** The config's `"variables"` (project-config.ts checks the whole file; this reads only what task code asks for). */
export async function readConfigVariables(dir = '.'): Promise<Readonly<Record<string, string>>> {
  const path = join(dir, CONFIG_FILE);
  const json = await readJson(path);
  if (!isObject(json)) return {};
  return stringValues(path, 'variables', json.variables);
}

function stringValues(path: string, field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new LocalSecretsFileError(path, `${field}: expected an object of names to strings`);
  for (const [name, text] of Object.entries(value)) {
    if (typeof text !== 'string') throw new LocalSecretsFileError(path, `${field} › ${name}: expected a string`);
  }
  return value as Record<string, string>;
}

function connectionValues(path: string, value: unknown): SecretsFileContent['connections'] {
  if (value === undefined) return {};
  if (!isObject(value)) throw new LocalSecretsFileError(path, 'connections: expected an object of ids to connections');
  for (const [id, connection] of Object.entries(value)) {
    if (typeof connection !== 'string' && !isObject(connection)) {
      throw new LocalSecretsFileError(path, `connections › ${id}: expected a URI string or a JSON object`);
    }
  }
  return value as SecretsFileContent['connections'];
}

/**
 * Writes `airstep.secrets.json` whole (a temporary file renamed over it, so a reader never sees half of it),
 * readable by its owner only.
 */
export async function writeSecretsFile(content: SecretsFileContent, dir = '.'): Promise<string> {
  const path = join(dir, SECRETS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}

/** The secrets file as a place to read from (read at each lookup: a value set meanwhile is seen by the next try). */
export function secretsFileSource(dir = '.'): SecretSource {
  return {
    describe: () => SECRETS_FILE,
    read: async (kind: SecretKind, name: string) => {
      const content = await readSecretsFile(dir);
      const value = kind === 'variable' ? content.variables[name] : content.connections[name];
      if (value === undefined) return undefined;
      return { text: typeof value === 'string' ? value : JSON.stringify(value), where: SECRETS_FILE };
    },
  };
}

/** The config's variables as a place to read from; it holds no connections (they are secrets). */
export function configVariablesSource(dir = '.'): SecretSource {
  return {
    describe: (kind) => (kind === 'variable' ? `${CONFIG_FILE} "variables"` : undefined),
    read: async (kind: SecretKind, name: string) => {
      if (kind !== 'variable') return undefined;
      const text = (await readConfigVariables(dir))[name];
      return text === undefined ? undefined : { text, where: CONFIG_FILE };
    },
  };
}

/** Where the local engine's tries read, in order of precedence (see the top of this file). */
export function localSecretSources(dir = '.', env: NodeJS.ProcessEnv = process.env): SecretSource[] {
  return [environmentSecrets(env), secretsFileSource(dir), configVariablesSource(dir)];
}
