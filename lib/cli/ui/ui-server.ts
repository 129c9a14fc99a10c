import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { projectFile } from '../../emulator/venv.ts';
import { AirstepError } from '../../errors/airstep-error.ts';
import type { UiGridAnswer, UiLogAnswer, UiRunAnswer } from '../../web/api.ts';
import type { UiSource } from './ui-source.ts';

/** The built page (`npm run build` bundles lib/web into dist/web). */
const ASSETS = projectFile('dist', 'web');
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  // The licences of what app.js bundles (esbuild's linked legal comments).
  'app.js.LEGAL.txt': 'text/plain; charset=utf-8',
};
/** The grid's default and largest number of runs. */
const GRID_RUNS = { default: 25, most: 100 };
/** A request body larger than this is refused (a conf is at most ~224 KiB of JSON; see params-payload.ts). */
const MOST_BODY_BYTES = 1024 * 1024;

export interface RunningUi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `airstep ui`'s server: the page and its JSON API on loopback only. Every API call needs the token this start made
 * (the page has it from the URL it was opened with, and sends it in a header): another site open in the same browser
 * can neither read runs nor trigger one (a cross-site request cannot set the header without a CORS preflight, which
 * this server never answers), and a DNS name rebound to 127.0.0.1 is refused by the Host check.
 */
export async function startUiServer(source: UiSource, options: { port?: number } = {}): Promise<RunningUi> {
  const token = randomBytes(18).toString('base64url');
  let port = 0;
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent)
        sendJson(response, error instanceof BadRequest ? 400 : 500, { ok: false, error: error.message });
      else response.end();
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return sendText(response, 421, 'wrong Host');
    const url = new URL(request.url ?? '/', `http://${host}`);
    const path = url.pathname;
    if (request.method === 'GET' && path === '/') {
      if (!tokenMatches(url.searchParams.get('token'), token)) {
        return sendText(response, 403, 'Open the address `airstep ui` printed (it carries this start’s token).');
      }
      return sendPage(response, token);
    }
    if (path === '/favicon.ico') return sendText(response, 404, 'no icon');
    if (request.method === 'GET' && path.startsWith('/assets/'))
      return sendAsset(response, path.slice('/assets/'.length));
    if (!path.startsWith('/api/')) return sendText(response, 404, 'not found');
    if (!tokenMatches(headerOf(request, 'x-airstep-token'), token))
      return sendJson(response, 403, { error: 'no or wrong token' });
    return api(request, response, url);
  };

  const api = async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const get = request.method === 'GET';
    const post = request.method === 'POST';
    if (post && headerOf(request, 'content-type')?.startsWith('application/json') !== true) {
      return sendJson(response, 415, { error: 'send JSON (content-type: application/json)' });
    }
    // /api/dags
    if (get && parts.length === 1 && parts[0] === 'dags') return sendJson(response, 200, await source.dags());
    if (parts[0] !== 'dags' || parts[1] === undefined) return sendJson(response, 404, { error: 'no such API' });
    const dagId = parts[1];
    const dag = await source.dag(dagId);
    if (dag === undefined) return sendJson(response, 404, { error: `no DAG '${dagId}'` });
    const rest = parts.slice(2);
    // /api/dags/<dag>/grid?runs=n
    if (get && rest.length === 1 && rest[0] === 'grid') {
      const count = Math.min(GRID_RUNS.most, Math.max(1, Number(url.searchParams.get('runs')) || GRID_RUNS.default));
      return sendJson(response, 200, { dag, ...(await source.grid(dagId, count)) } satisfies UiGridAnswer);
    }
    if (post && rest.length === 1 && rest[0] === 'check-conf') {
      const body = await jsonBody(request);
      return sendJson(response, 200, { problems: (await source.checkConf(dagId, objectOf(body.conf))) ?? [] });
    }
    if (post && rest.length === 1 && rest[0] === 'trigger') {
      const body = await jsonBody(request);
      const answer = await source.trigger(dagId, {
        conf: objectOf(body.conf),
        ...(typeof body.logicalDate === 'string' ? { logicalDate: body.logicalDate } : {}),
      });
      return sendJson(response, answer.ok ? 202 : 400, answer);
    }
    if (post && rest.length === 1 && rest[0] === 'pause') {
      const body = await jsonBody(request);
      const answer = await source.pause(dagId, body.paused === true);
      return sendJson(response, answer.ok ? 200 : 400, answer);
    }
    if (rest[0] !== 'runs' || rest[1] === undefined) return sendJson(response, 404, { error: 'no such API' });
    const runId = rest[1];
    const run = await source.run(dagId, runId);
    if (run === undefined) return sendJson(response, 404, { error: `no run '${runId}' of ${dagId}` });
    // /api/dags/<dag>/runs/<run>
    if (get && rest.length === 2) {
      return sendJson(response, 200, {
        dag,
        run: run.view,
        instances: await source.instances(run.found),
      } satisfies UiRunAnswer);
    }
    // /api/dags/<dag>/runs/<run>/log?task=&mapIndex=&try=
    if (get && rest.length === 3 && rest[2] === 'log') {
      const taskId = url.searchParams.get('task') ?? '';
      const mapIndex = Number(url.searchParams.get('mapIndex') ?? '-1');
      const tryNumber = Number(url.searchParams.get('try') ?? '1');
      if (
        !dag.tasks.some((task) => task.id === taskId) ||
        !Number.isInteger(mapIndex) ||
        !Number.isInteger(tryNumber)
      ) {
        return sendJson(response, 400, { error: 'task, mapIndex and try must name a try of this DAG' });
      }
      const text = await source.log({ dagId, runId, taskId, mapIndex, tryNumber });
      return sendJson(response, 200, { text } satisfies UiLogAnswer);
    }
    if (post && rest.length === 3 && rest[2] === 'clear') {
      const body = await jsonBody(request);
      const taskId = typeof body.taskId === 'string' ? body.taskId : undefined;
      if (taskId !== undefined && !dag.tasks.some((task) => task.id === taskId)) {
        return sendJson(response, 400, { ok: false, error: `no task '${taskId}' in ${dagId}` });
      }
      const answer = await source.clear(dagId, runId, {
        ...(taskId !== undefined ? { taskId } : {}),
        downstream: body.downstream === true,
      });
      return sendJson(response, answer.ok ? 202 : 400, answer);
    }
    if (post && rest.length === 3 && rest[2] === 'mark') {
      const body = await jsonBody(request);
      const taskId = typeof body.taskId === 'string' ? body.taskId : '';
      const mapIndex = typeof body.mapIndex === 'number' && Number.isInteger(body.mapIndex) ? body.mapIndex : -1;
      if (!dag.tasks.some((task) => task.id === taskId) || (body.state !== 'success' && body.state !== 'failed')) {
        return sendJson(response, 400, {
          ok: false,
          error: 'mark takes a task of this DAG and a state: success or failed',
        });
      }
      const answer = await source.mark(dagId, runId, { taskId, mapIndex, state: body.state });
      return sendJson(response, answer.ok ? 200 : 400, answer);
    }
    return sendJson(response, 404, { error: 'no such API' });
  };

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The page's address carries the token: it must never travel in a Referer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function sendPage(response: ServerResponse, token: string): void {
  response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<meta name="airstep-token" content="${token}"><link rel="icon" href="data:,"><title>Airstep</title><link rel="stylesheet" href="/assets/app.css"></head>` +
      `<body><div id="app"></div><script type="module" src="/assets/app.js"></script></body></html>`,
  );
}

async function sendAsset(response: ServerResponse, name: string): Promise<void> {
  const type = ASSET_TYPES[name];
  if (type === undefined) return sendText(response, 404, 'not found');
  const body = await readFile(join(ASSETS, name)).catch(() => undefined);
  if (body === undefined) return sendText(response, 500, `${name} is not built (npm run build)`);
  response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache' });
  response.end(body);
}

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MOST_BODY_BYTES) throw new BadRequest(`the request body is over ${MOST_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return objectOf(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
  } catch (error) {
    throw new BadRequest(`the request body is not JSON: ${(error as Error).message}`);
  }
}

/** A request the server cannot take as sent (answered 400 with the reason). */
class BadRequest extends AirstepError {
  override readonly name = 'UiBadRequest';

  constructor(message: string) {
    super(message, { code: 'UI_BAD_REQUEST' });
  }
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
