import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlace } from '../../lib/cli/ui/local-place.ts';
import { type RunningUi, startUiServer } from '../../lib/cli/ui/ui-server.ts';
import { UiSource } from '../../lib/cli/ui/ui-source.ts';

/**
 * The UI server's guard, over real HTTP: the page and every API call need this start's token, a request for another
 * host name (a DNS name rebound to 127.0.0.1) is refused, actions take JSON only, and the trigger's conf check
 * answers the trigger's own problems.
 */
let project: string;
let ui: RunningUi;
let token: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'airstep-ui-server-'));
  await symlink(resolve('test/fixtures/ui/dags'), join(project, 'dags'), 'dir');
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  ui = await startUiServer(new UiSource(new LocalPlace(project, ['dags'])));
  token = new URL(ui.url).searchParams.get('token')!;
});

afterAll(async () => {
  await ui?.close();
  await rm(project, { recursive: true, force: true });
});

/** One request to the server, with the Host header as given (fetch would not let a test set it). */
function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const sent = request(
      {
        host: '127.0.0.1',
        port: ui.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${ui.port}`, ...options.headers },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => done({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    sent.on('error', fail);
    sent.end(options.body);
  });
}

describe('airstep ui: the server', () => {
  it('listens on loopback and serves the page only with the token of this start', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{24}$/);
    expect((await call('/')).status).toBe(403);
    expect((await call('/?token=not-the-token-of-this-one')).status).toBe(403);
    const page = await call(`/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="airstep-token" content="${token}">`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers the API only with the token in its header, and only for its own host name', async () => {
    expect((await call('/api/dags')).status).toBe(403);
    expect((await call('/api/dags', { headers: { 'x-airstep-token': 'wrong' } })).status).toBe(403);
    const rebound = await call('/api/dags', {
      headers: { host: `attacker.example:${ui.port}`, 'x-airstep-token': token },
    });
    expect(rebound.status).toBe(421);
    const dags = await call('/api/dags', { headers: { 'x-airstep-token': token } });
    expect(dags.status).toBe(200);
    expect((JSON.parse(dags.body) as { dags: Array<{ dagId: string }> }).dags.map((dag) => dag.dagId)).toEqual([
      'ui_flow',
      'ui_other',
    ]);
  });

  it('takes actions as JSON only: a form post from another site is refused before anything runs', async () => {
    const posted = await call('/api/dags/ui_flow/trigger', {
      method: 'POST',
      headers: { 'x-airstep-token': token, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(posted.status).toBe(415);
    const garbled = await call('/api/dags/ui_flow/trigger', {
      method: 'POST',
      headers: { 'x-airstep-token': token, 'content-type': 'application/json' },
      body: '{"conf": ',
    });
    expect(garbled.status).toBe(400);
    expect(JSON.parse(garbled.body)).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') });
  });

  it("checks a conf with the trigger's own check, naming each bad param", async () => {
    const checked = await call('/api/dags/ui_flow/check-conf', {
      method: 'POST',
      headers: { 'x-airstep-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ conf: { limit: 0, mode: 'sideways' } }),
    });
    expect(checked.status).toBe(200);
    const { problems } = JSON.parse(checked.body) as { problems: Array<{ field: string; message: string }> };
    expect(problems.map((problem) => problem.field).sort()).toEqual(['params.limit', 'params.mode']);
    const refused = await call('/api/dags/ui_flow/trigger', {
      method: 'POST',
      headers: { 'x-airstep-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ conf: { limit: 0 } }),
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: expect.stringContaining('params.limit') });
  });

  const refusedUi = (...args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(process.execPath, [resolve('bin/airstep.js'), 'ui', ...args], { cwd: project }, (error, _out, stderr) =>
        done({ code: error === null ? 0 : (error.code as number), stderr }),
      );
    });

  it('`airstep ui --port` takes a port number only (exit 2, nothing served)', async () => {
    const refused = await refusedUi('--port', 'eighty');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--port must be a whole number from 1 to 65535, got 'eighty'");
  });

  it('`airstep ui --outputs` needs a readable outputs file and takes no paths (exit 2, nothing served)', async () => {
    const missing = await refusedUi('--outputs', 'no-such-outputs.json');
    expect([missing.code, missing.stderr.trim()]).toEqual([2, '--outputs no-such-outputs.json: no such file']);
    const withPaths = await refusedUi('dags', '--outputs', 'no-such-outputs.json');
    expect([withPaths.code, withPaths.stderr.trim()]).toEqual([
      2,
      'ui --stack / --outputs shows the deployed DAGs; it takes no paths (got dags)',
    ]);
  });
});
