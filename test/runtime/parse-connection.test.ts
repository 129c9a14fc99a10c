import { describe, expect, it } from 'vitest';
import { parseConnection, storedConnection } from '../../lib/runtime/parse-connection.ts';
import { InvalidConnectionError } from '../../lib/sdk/secret-errors.ts';

describe('Function: parseConnection', () => {
  it('reads every field of a URI, percent-decoded, with the query as extra', () => {
    expect(
      parseConnection(
        'warehouse',
        'postgresql://etl%40corp:p%40ss%2Fw0rd@db.example.com:5432/analytics?sslmode=require&x=1',
        'env',
      ),
    ).toEqual({
      id: 'warehouse',
      connType: 'postgres',
      host: 'db.example.com',
      port: 5432,
      login: 'etl@corp',
      password: 'p@ss/w0rd',
      schema: 'analytics',
      extra: { sslmode: 'require', x: '1' },
    });
  });

  it('normalizes the scheme as Airflow does (- becomes _) and leaves absent parts absent', () => {
    expect(parseConnection('gcp', 'google-cloud-platform://?project=p1', 'env')).toEqual({
      id: 'gcp',
      connType: 'google_cloud_platform',
      extra: { project: 'p1' },
    });
  });

  it('reads nested extra from the __extra__ parameter, and keeps a host that is itself a URL', () => {
    const extra = encodeURIComponent(JSON.stringify({ headers: { a: 1 } }));
    expect(parseConnection('api', `http://https://api.example.com/v1?__extra__=${extra}`, 'env')).toEqual({
      id: 'api',
      connType: 'http',
      host: 'https://api.example.com',
      schema: 'v1',
      extra: { headers: { a: 1 } },
    });
  });

  it("reads Airflow's JSON form, with extra as an object or as a JSON string", () => {
    const json = { conn_type: 'mysql', host: 'h', port: '3306', login: 'u', password: 'secret-pw', schema: 's' };
    expect(parseConnection('db', JSON.stringify({ ...json, extra: '{"charset":"utf8"}' }), 'file')).toEqual({
      id: 'db',
      connType: 'mysql',
      host: 'h',
      port: 3306,
      login: 'u',
      password: 'secret-pw',
      schema: 's',
      extra: { charset: 'utf8' },
    });
    expect(parseConnection('db', JSON.stringify({ conn_type: 'mysql', extra: { a: 1 } }), 'file').extra).toEqual({
      a: 1,
    });
  });

  it('round-trips through the stored JSON form', () => {
    const connection = parseConnection('db', 'postgres://u:pw-12345@h:1/s?a=b', 'env');
    expect(parseConnection('db', JSON.stringify(storedConnection(connection)), 'file')).toEqual(connection);
  });

  it.each([
    ['not a uri', "connection 'c' (AIRSTEP_CONN_C): expected a URI"],
    ['{"conn_type": "x", "pasword": "p"}', "connection 'c' (AIRSTEP_CONN_C): unknown field pasword"],
    ['{"host": "h"}', "connection 'c' (AIRSTEP_CONN_C): conn_type: a non-empty string is required"],
    ['{"conn_type": "x", "port": 70000}', "connection 'c' (AIRSTEP_CONN_C): port: expected 1-65535, got 70000"],
    ['{"conn_type": "x",', "connection 'c' (AIRSTEP_CONN_C): not JSON"],
  ])('refuses %s naming the connection, the place and the field', (text, message) => {
    expect(() => parseConnection('c', text, 'AIRSTEP_CONN_C')).toThrow(InvalidConnectionError);
    expect(() => parseConnection('c', text, 'AIRSTEP_CONN_C')).toThrow(message);
  });
});
