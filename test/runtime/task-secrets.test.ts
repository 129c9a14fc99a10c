import { describe, expect, it } from 'vitest';
import type { SecretSource } from '../../lib/runtime/secret-source.ts';
import type { TaskContext } from '../../lib/sdk/context.ts';
import { oneTry } from '../helpers/one-try.ts';

const tryOf = (fn: (ctx: TaskContext) => unknown, secrets?: readonly SecretSource[]) =>
  oneTry('secrets_probe', 'probe', fn, secrets);

/** A place holding fixed values, named `name` in messages. */
function place(name: string, values: Record<string, string>, kind: 'variable' | 'connection'): SecretSource {
  return {
    describe: (asked) => (asked === kind ? name : undefined),
    read: async (asked, key) =>
      asked === kind && values[key] !== undefined ? { text: values[key], where: name } : undefined,
  };
}

const warehouse = 'postgres://etl:Tr0ub4dor-3@db.internal:5432/analytics?api_key=k-123456789';

describe('Function: runTaskTry with Variables and Connections', () => {
  it('reads from the first place that holds the name', async () => {
    const first = place('first', { bucket: 'from-first' }, 'variable');
    const second = place('second', { bucket: 'from-second', region: 'eu-west-1' }, 'variable');
    const { outcome } = await tryOf(
      async (ctx) => [await ctx.variable('bucket'), await ctx.variable('region'), await ctx.variable('absent', 'dflt')],
      [first, second],
    );
    expect(outcome).toMatchObject({ ok: true, result: { output: ['from-first', 'eu-west-1', 'dflt'] } });
  });

  it('throws VariableNotFoundError naming the variable and every place it looked', async () => {
    const { outcome } = await tryOf((ctx) => ctx.variable('nowhere'), [place('one', {}, 'variable')]);
    expect(outcome.ok).toBe(false);
    expect(outcome).toMatchObject({ error: 'VariableNotFoundError' });
    expect(!outcome.ok && outcome.cause).toContain("variable 'nowhere' is not set (looked in one)");
  });

  it('reads the environment by default (AIRSTEP_VAR_<NAME>, AIRSTEP_CONN_<ID>)', async () => {
    process.env.AIRSTEP_VAR_PROBE_BUCKET = 'env-bucket';
    process.env.AIRSTEP_CONN_PROBE_DB = 'mysql://u:pw-123456@h:3306/s';
    try {
      const { outcome } = await tryOf(async (ctx) => [
        await ctx.variable('probe_bucket'),
        (await ctx.connection('probe_db')).host,
      ]);
      expect(outcome).toMatchObject({ ok: true, result: { output: ['env-bucket', 'h'] } });
    } finally {
      delete process.env.AIRSTEP_VAR_PROBE_BUCKET;
      delete process.env.AIRSTEP_CONN_PROBE_DB;
    }
  });

  it("masks a connection's password and sensitive extra in the try's log lines", async () => {
    const { outcome, logs } = await tryOf(
      async (ctx) => {
        const connection = await ctx.connection('warehouse');
        ctx.log(`connecting with ${connection.password}`, connection);
        ctx.log(`key ${connection.extra.api_key}, uri ${warehouse}`);
        return connection.host;
      },
      [place('file', { warehouse }, 'connection')],
    );
    expect(outcome).toMatchObject({ ok: true, result: { output: 'db.internal' } });
    expect(logs.join('\n')).not.toContain('Tr0ub4dor-3');
    expect(logs.join('\n')).not.toContain('k-123456789');
    expect(logs[0]).toContain('connecting with *** {');
    expect(logs[0]).toContain('"password":"***"');
    expect(logs[1]).toBe('key ***, uri postgres://etl:***@db.internal:5432/analytics?api_key=***');
  });

  it('masks a variable whose name is sensitive, and not one whose name is not', async () => {
    const { logs } = await tryOf(
      async (ctx) => ctx.log(await ctx.variable('slack_token'), await ctx.variable('bucket_name')),
      [place('file', { slack_token: 'xoxb-0000-secret', bucket_name: 'raw-data-bucket' }, 'variable')],
    );
    expect(logs).toEqual(['*** raw-data-bucket']);
  });

  it('masks a secret in the error a try throws', async () => {
    const { outcome } = await tryOf(
      async (ctx) => {
        const { password } = await ctx.connection('warehouse');
        throw new Error(`login refused for password ${password}`);
      },
      [place('file', { warehouse }, 'connection')],
    );
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.cause).toContain('login refused for password ***');
    expect(!outcome.ok && outcome.cause).not.toContain('Tr0ub4dor-3');
  });

  it('refuses a result (XCom) that carries a secret the try read, without retrying', async () => {
    const { outcome } = await tryOf(
      async (ctx) => ctx.connection('warehouse'),
      [place('file', { warehouse }, 'connection')],
    );
    expect(outcome).toMatchObject({ ok: false, error: 'NonRetryableError' });
    expect(!outcome.ok && outcome.cause).toContain("task 'probe' returned a secret it read");
    expect(!outcome.ok && outcome.cause).not.toContain('Tr0ub4dor-3');
  });
});
