import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import reportWebhook from '../../dags/examples/report_webhook.ts';
import { runDagLocally } from '../../lib/local/run-dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/**
 * dags/examples/report_webhook.ts in the local engine: without the connection it only logs what it would post;
 * with `AIRSTEP_CONN_REPORT_WEBHOOK` it posts to the webhook (a real HTTP server here) with the connection's token,
 * and the try's log shows `***` where the task logged the token.
 */
const TOKEN = 'whk-0123456789abcdef';
let server: Server;
let port: number;
const received: Array<{ url: string; authorization: string | undefined; body: unknown }> = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ url: request.url ?? '', authorization: request.headers.authorization, body: JSON.parse(body) });
      response.end('ok');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  delete process.env.AIRSTEP_CONN_REPORT_WEBHOOK;
  await new Promise((closed) => server.close(closed));
});

describe('Example: report_webhook', () => {
  it('succeeds without the connection, posting nothing', async () => {
    delete process.env.AIRSTEP_CONN_REPORT_WEBHOOK;
    const { execution, tasks } = await runDagLocally({ dag: reportWebhook, ctx: manualContext(reportWebhook) });
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks.find((task) => task.taskId === 'post')!.output).toEqual({ posted: false });
    expect(received).toEqual([]);
  });

  it('posts with the connection from the environment, its token masked in the log', async () => {
    process.env.AIRSTEP_CONN_REPORT_WEBHOOK = `http://:${TOKEN}@127.0.0.1:${port}/services/daily`;
    const logs: string[] = [];
    const { execution, tasks } = await runDagLocally({
      dag: reportWebhook,
      ctx: manualContext(reportWebhook),
      onTryEnded: (attempt) => logs.push(...attempt.logs),
    });
    expect(execution.status).toBe('SUCCEEDED');
    const post = tasks.find((task) => task.taskId === 'post')!;
    expect(post.output).toEqual({ posted: true });
    expect(received).toEqual([
      {
        url: '/services/daily',
        authorization: `Bearer ${TOKEN}`,
        body: { channel: '#data', text: '2026-11-22: 1284 rows loaded' },
      },
    ]);
    const log = logs.join('\n');
    expect(log).toContain(`posting to http://127.0.0.1:${port}/services/daily with token ***`);
    expect(log).not.toContain(TOKEN);
  });
});
