import type { Connection } from '../sdk/connection.ts';
import { InvalidConnectionError } from '../sdk/secret-errors.ts';

/** Airflow's JSON form of a connection (`AIRFLOW_CONN_<ID>='{"conn_type": …}'`, Airflow 2.3+), as stored. */
export interface StoredConnection {
  readonly conn_type: string;
  readonly host?: string;
  readonly port?: number;
  readonly login?: string;
  readonly password?: string;
  readonly schema?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

const JSON_FIELDS = new Set(['conn_type', 'host', 'port', 'login', 'password', 'schema', 'extra', 'description']);

/**
 * A connection from the text it is stored as, either of the two forms Airflow accepts: a URI
 * (`postgres://login:password@host:5432/schema?sslmode=require`) or JSON (`{"conn_type": "postgres", …}`).
 * `where` names the place it was read from, for the error.
 */
export function parseConnection(id: string, text: string, where: string): Connection {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new InvalidConnectionError(id, where, `not JSON: ${(error as Error).message}`);
    }
    return connectionFromJson(id, json, where);
  }
  return connectionFromUri(id, trimmed, where);
}

/** Airflow's JSON form, checked field by field (an unknown field is refused: it would be silently ignored). */
export function connectionFromJson(id: string, json: unknown, where: string): Connection {
  const fail = (reason: string): never => {
    throw new InvalidConnectionError(id, where, reason);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('expected a JSON object');
  const record = json as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !JSON_FIELDS.has(key));
  if (unknown.length > 0) {
    fail(
      `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (expected ${[...JSON_FIELDS].join(', ')})`,
    );
  }
  if (typeof record.conn_type !== 'string' || record.conn_type === '')
    fail('conn_type: a non-empty string is required');
  for (const field of ['host', 'login', 'password', 'schema', 'description'] as const) {
    if (record[field] !== undefined && record[field] !== null && typeof record[field] !== 'string') {
      fail(`${field}: expected a string`);
    }
  }
  const port = record.port === null || record.port === undefined ? undefined : Number(record.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port <= 65_535)) {
    fail(`port: expected 1-65535, got ${JSON.stringify(record.port)}`);
  }
  // Airflow stores `extra` as a JSON string; both it and an object are accepted.
  let extra: unknown = record.extra ?? {};
  if (typeof extra === 'string') {
    try {
      extra = extra === '' ? {} : JSON.parse(extra);
    } catch {
      fail('extra: a string extra must be a JSON object');
    }
  }
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) fail('extra: expected a JSON object');
  const text = (field: string) => (typeof record[field] === 'string' ? (record[field] as string) : undefined);
  return shape(id, record.conn_type as string, {
    host: text('host'),
    port,
    login: text('login'),
    password: text('password'),
    schema: text('schema'),
    extra: extra as Record<string, unknown>,
  });
}

/**
 * Airflow's URI form: the scheme is the connection type (`postgresql` is `postgres`, `-` becomes `_`, as Airflow
 * normalizes it); login, password, host and schema are percent-decoded; the query is `extra` (or, as Airflow
 * writes it for nested values, one `__extra__` parameter holding the JSON). A host that is itself a URL
 * (`http://https://example.com`) keeps its protocol, as in Airflow.
 */
export function connectionFromUri(id: string, uri: string, where: string): Connection {
  const fail = (reason: string): never => {
    throw new InvalidConnectionError(id, where, reason);
  };
  const outer = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (outer === null)
    return fail('expected a URI (<type>://<login>:<password>@<host>:<port>/<schema>?<extra>) or JSON');
  let rest = outer[2]!;
  let hostProtocol = '';
  const inner = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(rest);
  if (inner !== null) {
    hostProtocol = `${inner[1]}://`;
    rest = inner[2]!;
  }
  let url: URL;
  try {
    // A scheme WHATWG URL treats as opaque, so the parts come back exactly as written (no default ports).
    url = new URL(`airstep-connection://${rest}`);
  } catch {
    return fail('not a valid URI');
  }
  const decode = (part: string, field: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return fail(`${field}: bad percent-encoding`);
    }
  };
  let extra: Record<string, unknown> = {};
  const wrapped = url.searchParams.get('__extra__');
  if (wrapped !== null) {
    try {
      extra = JSON.parse(wrapped) as Record<string, unknown>;
    } catch {
      fail('__extra__: not JSON');
    }
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) fail('__extra__: expected a JSON object');
  } else {
    // As Airflow's dict(parse_qsl(…)): a repeated key keeps its last value.
    for (const [key, value] of url.searchParams) extra[key] = value;
  }
  const scheme = outer[1]!.toLowerCase();
  const host = url.hostname === '' ? undefined : `${hostProtocol}${decode(url.hostname, 'host')}`;
  const schema = url.pathname.replace(/^\//, '');
  return shape(id, scheme === 'postgresql' ? 'postgres' : scheme.replaceAll('-', '_'), {
    host,
    port: url.port === '' ? undefined : Number(url.port),
    login: url.username === '' ? undefined : decode(url.username, 'login'),
    password: url.password === '' ? undefined : decode(url.password, 'password'),
    schema: schema === '' ? undefined : decode(schema, 'schema'),
    extra,
  });
}

/** The JSON form a connection is stored as (the CLI writes it; Airflow reads the same). */
export function storedConnection(connection: Connection): StoredConnection {
  const { connType, extra, id: _id, ...fields } = connection;
  return {
    conn_type: connType,
    ...fields,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

function shape(
  id: string,
  connType: string,
  fields: {
    host: string | undefined;
    port: number | undefined;
    login: string | undefined;
    password: string | undefined;
    schema: string | undefined;
    extra: Record<string, unknown>;
  },
): Connection {
  // Absent fields stay absent (not `undefined` keys), so a connection prints and compares cleanly.
  const present = Object.fromEntries(
    Object.entries({
      host: fields.host,
      port: fields.port,
      login: fields.login,
      password: fields.password,
      schema: fields.schema,
    }).filter(([, value]) => value !== undefined),
  );
  return { id, connType, ...present, extra: fields.extra };
}
