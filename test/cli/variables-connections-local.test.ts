import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkAirstep, type ScratchProject, scratchProject } from '../helpers/scratch-project.ts';

/**
 * Variables and Connections on one machine, through the CLI as a user types it: `airstep variables|connections`
 * write `airstep.secrets.json`, and `airstep run` of a DAG that reads them (and logs the password) shows `***`.
 */
const DAG = resolve('test/fixtures/local/secrets_reader.ts');
const PASSWORD = 'Tr0ub4dor&3-horse';
let project: ScratchProject;

beforeAll(async () => {
  project = await scratchProject('variables-connections');
  await linkAirstep(project.dir);
  await writeFile(join(project.dir, 'airstep.config.json'), JSON.stringify({ variables: { bucket: 'config-bucket' } }));
});
afterAll(async () => project.remove());

describe('Command: airstep variables / connections (local)', () => {
  it('sets, gets, lists and deletes, in airstep.secrets.json', async () => {
    expect(await project.airstep('variables', 'set', 'slack_token', 'xoxb-1234-abcdef')).toMatchObject({ code: 0 });
    const uri = `postgres://etl:${encodeURIComponent(PASSWORD)}@db.internal:5432/analytics`;
    expect(await project.airstep('connections', 'set', 'warehouse', uri)).toMatchObject({ code: 0 });
    const stored = JSON.parse(await readFile(join(project.dir, 'airstep.secrets.json'), 'utf8'));
    expect(stored.connections.warehouse).toEqual({
      conn_type: 'postgres',
      host: 'db.internal',
      port: 5432,
      login: 'etl',
      password: PASSWORD,
      schema: 'analytics',
    });
    const list = await project.airstep('variables', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([
      { name: 'bucket', where: 'airstep.config.json' },
      { name: 'slack_token', where: 'airstep.secrets.json' },
    ]);
    const got = await project.airstep('variables', 'get', 'bucket');
    expect(got).toMatchObject({ code: 0, stdout: 'config-bucket\n' });
    const missing = await project.airstep('variables', 'get', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'no variable \'nope\' (looked in AIRSTEP_VAR_NOPE, airstep.secrets.json, airstep.config.json "variables")',
    );
    expect(await project.airstep('variables', 'get', 'nope', '--default', 'd')).toMatchObject({
      code: 0,
      stdout: 'd\n',
    });
  });

  it('reads the value from stdin for `-`, so it stays out of shell history', async () => {
    execFileSync(process.execPath, [resolve('bin/airstep.js'), 'variables', 'set', 'api_key', '-'], {
      cwd: project.dir,
      input: 'k-from-stdin\n',
    });
    expect(await project.airstep('variables', 'get', 'api_key')).toMatchObject({ code: 0, stdout: 'k-from-stdin\n' });
  });

  it('masks the password of `connections get` unless --reveal', async () => {
    const masked = await project.airstep('connections', 'get', 'warehouse', '--json');
    expect(JSON.parse(masked.stdout)).toMatchObject({ password: '***', host: 'db.internal' });
    expect(masked.stdout).not.toContain(PASSWORD);
    const text = await project.airstep('connections', 'get', 'warehouse');
    expect(text.stdout).toContain('password: ***');
    const revealed = await project.airstep('connections', 'get', 'warehouse', '--reveal', '--json');
    expect(JSON.parse(revealed.stdout).password).toBe(PASSWORD);
  });

  it('refuses a connection that is neither a URI nor JSON, changing nothing', async () => {
    const before = await readFile(join(project.dir, 'airstep.secrets.json'), 'utf8');
    const refused = await project.airstep('connections', 'set', 'broken', 'not-a-uri');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("connection 'broken' (the value given): expected a URI");
    expect(await readFile(join(project.dir, 'airstep.secrets.json'), 'utf8')).toBe(before);
  });

  it('runs a DAG that reads them; its log shows *** for the password and the sensitive variable', async () => {
    const run = await project.airstep('run', DAG, '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.run.state).toBe('success');
    const logs = await project.airstep('logs', result.run.runId, 'read', '--dag', 'secrets_reader');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('bucket config-bucket region us-east-1 token ***');
    expect(logs.stdout).toContain('connecting to db.internal:5432 as etl with ***');
    expect(logs.stdout).toContain('printed with password ***');
    expect(logs.stdout).not.toContain(PASSWORD);
    expect(JSON.stringify(await project.storeFiles())).not.toContain(PASSWORD);
  });

  it('deletes from the secrets file, and says when there was nothing to delete', async () => {
    expect(await project.airstep('connections', 'delete', 'warehouse', '--json')).toMatchObject({ code: 0 });
    const again = await project.airstep('connections', 'delete', 'warehouse', '--json');
    expect(JSON.parse(again.stdout)).toEqual({ name: 'warehouse', deleted: false });
  });
});
