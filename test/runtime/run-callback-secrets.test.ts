import { describe, expect, it } from 'vitest';
import { dagCallbackMessage, taskCallbackMessage } from '../../lib/runtime/callback-messages.ts';
import { runCallback } from '../../lib/runtime/run-callback.ts';
import { environmentSecrets } from '../../lib/runtime/secret-source.ts';
import type { Connection } from '../../lib/sdk/connection.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * Callbacks read Variables and Connections as tasks do (Airflow's callbacks call `Variable.get` and
 * `BaseHook.get_connection` the same way), and what the worker logs of a callback that threw never carries a
 * secret it read.
 */
const PASSWORD = 'hunter2-s3cr3t';
const secrets = [
  environmentSecrets({
    AIRSTEP_VAR_CHANNEL: '#data-alerts',
    AIRSTEP_CONN_CHAT: `https://bot:${PASSWORD}@chat.example.com/hooks`,
  }),
];

describe('runCallback: Variables and Connections', () => {
  it("gives a task callback the worker's variables and connections", async () => {
    const seen: { channel?: string; chat?: Connection } = {};
    const alerting = dag({ id: 'alerting' });
    alerting.task(
      'load',
      {
        onFailure: async (ctx) => {
          seen.channel = await ctx.variable('channel');
          seen.chat = await ctx.connection('chat');
        },
      },
      () => {
        throw new Error('boom');
      },
    );
    const message = taskCallbackMessage(
      {
        dagId: 'alerting',
        dagVersion: 'v1',
        executionArn: 'arn:x',
        ctx: manualContext(alerting),
        taskId: 'load',
        mapIndex: -1,
      },
      1,
      { name: 'onFailure', state: 'failed', error: { name: 'Error', message: 'boom' } },
    );

    const result = await runCallback(alerting, message, { secrets });

    expect(result).toEqual({ status: 'called' });
    expect(seen.channel).toBe('#data-alerts');
    expect(seen.chat).toMatchObject({ host: 'chat.example.com', login: 'bot', password: PASSWORD });
  });

  it('masks a password the callback read in the error the worker logs', async () => {
    const alerting = dag({
      id: 'alerting',
      onFailure: async (ctx) => {
        const chat = await ctx.connection('chat');
        throw new Error(`could not post to https://${chat.login}:${chat.password}@${chat.host}`);
      },
    });
    alerting.task('load', {}, () => undefined);
    const lines: string[] = [];
    const message = dagCallbackMessage(
      { dagVersion: 'v1', executionArn: 'arn:x', ctx: manualContext(alerting) },
      { name: 'onFailure', state: 'failed' },
    );

    const result = await runCallback(alerting, message, { secrets, log: (line) => lines.push(line) });

    expect(result.status).toBe('threw');
    const logged = lines.join('\n');
    expect(logged).toContain('could not post to https://bot:***@chat.example.com');
    expect(logged).not.toContain(PASSWORD);
    expect(result.status === 'threw' && result.message).not.toContain(PASSWORD);
  });

  it('says which places it looked in when a callback reads a variable set nowhere', async () => {
    const alerting = dag({
      id: 'alerting',
      onSuccess: async (ctx) => {
        await ctx.variable('missing_var');
      },
    });
    alerting.task('load', {}, () => undefined);
    const message = dagCallbackMessage(
      { dagVersion: 'v1', executionArn: 'arn:x', ctx: manualContext(alerting) },
      { name: 'onSuccess', state: 'success' },
    );

    const result = await runCallback(alerting, message, { secrets });

    expect(result.status).toBe('threw');
    expect(result.status === 'threw' && result.message).toMatch(
      /VariableNotFoundError: .*missing_var.*AIRSTEP_VAR_MISSING_VAR/,
    );
  });
});
