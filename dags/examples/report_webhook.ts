import { ConnectionNotFoundError, dag } from 'airstep';

/**
 * Variables and Connections: a daily summary posted to a webhook whose URL and token live outside the code, as
 * Airflow's `HttpHook` reads an `http` connection. Define it once per place the DAG runs:
 *
 *   npx airstep connections set report_webhook 'https://:<token>@hooks.example.com/services/daily'
 *   npx airstep connections set report_webhook '…' --stack AirstepStack      # Secrets Manager, for the cloud
 *   npx airstep variables set report_channel '#data-daily'                    # or "variables" in airstep.config.json
 *
 * Without the connection (a fresh checkout) the task logs what it would post and succeeds, so the example runs
 * anywhere. The token is masked (`***`) in the try's log even though the task logs it.
 */
const reporting = dag({
  id: 'report_webhook',
  schedule: '@daily',
  startDate: '2026-11-01',
  tags: ['example', 'connections'],
});

const summarize = reporting.task('summarize', async (ctx) => ({
  day: ctx.ds,
  // A non-secret setting with a default, as Airflow's Variable.get(name, default_var=…).
  channel: await ctx.variable('report_channel', '#data'),
  rows: 1284,
}));

reporting.task(
  'post',
  { inputs: { summary: summarize }, retries: 2, retryDelay: '30 seconds' },
  async (ctx, { summary }) => {
    const webhook = await ctx.connection('report_webhook').catch((error: unknown) => {
      if (error instanceof ConnectionNotFoundError) return undefined;
      throw error;
    });
    const text = `${summary.day}: ${summary.rows} rows loaded`;
    if (webhook === undefined) {
      ctx.log(`no connection report_webhook: would post to ${summary.channel}: ${text}`);
      return { posted: false };
    }
    // The connection's scheme is its type (`https`); its password is the bearer token.
    const url = `${webhook.connType}://${webhook.host}${webhook.port !== undefined ? `:${webhook.port}` : ''}/${webhook.schema ?? ''}`;
    ctx.log(`posting to ${url} with token ${webhook.password}`);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webhook.password}` },
      body: JSON.stringify({ channel: summary.channel, text }),
    });
    if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
    return { posted: true };
  },
);

export default reporting;
