import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../lib/local/local-store.ts';

/**
 * `airstep pause | unpause | note | list | runs | tasks` on the local store, as child processes in a project
 * folder of their own (`dags/` with a daily DAG, `.airstep/` made by the commands), and `airstep dev` holding
 * back the scheduled run of a paused DAG.
 */
let dir: string;
const store = () => new LocalStore(join(dir, '.airstep'));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve('bin/airstep.js'), ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airstep-pause-'));
  await mkdir(join(dir, 'dags'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(resolve('.'), join(dir, 'node_modules', 'airstep'), 'dir');
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await copyFile(resolve('test/fixtures/schedule/hello_dev.ts'), join(dir, 'dags', 'hello.ts'));
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Waits for a line in a child's output (a readiness wait with a generous give-up, not a timing assertion). */
async function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 90_000): Promise<string> {
  let output = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), timeoutMs);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        done(output);
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
  });
}

describe('airstep pause / unpause (local store)', () => {
  it('refuses an unknown DAG with exit 2 and writes nothing', async () => {
    const result = await cli('pause', 'no_such_dag');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("no DAG 'no_such_dag' in dags (found: hello_dev); nothing changed\n");
    expect(existsSync(join(dir, '.airstep', 'dags'))).toBe(false);
  });

  it('pauses a DAG: list shows it paused with no next run, dev holds its scheduled run back, run is not affected', async () => {
    const paused = await cli('pause', 'hello_dev');
    expect(paused).toMatchObject({ code: 0, stdout: 'paused hello_dev: airstep dev starts no scheduled run of it\n' });
    const again = await cli('pause', 'hello_dev', '--json');
    const state = JSON.parse(again.stdout) as { paused: boolean; changed: boolean; pausedAt: string };
    expect(state).toMatchObject({ dagId: 'hello_dev', paused: true, changed: false });
    expect((await store().dagState('hello_dev')).pausedAt).toBe(state.pausedAt);

    const listed = JSON.parse((await cli('list', '--json')).stdout) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags).toEqual([expect.objectContaining({ dagId: 'hello_dev', paused: true, nextRun: null })]);

    // `airstep dev` decides on its first pass: the latest interval is due, and held back because of the pause.
    const dev = spawn(process.execPath, [resolve('bin/airstep.js'), 'dev'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    try {
      const output = await waitForOutput(dev, /hello_dev is paused: run \S+ not started \(airstep unpause hello_dev\)/);
      expect(output).not.toMatch(/hello_dev › scheduled__/);
    } finally {
      const exited = new Promise((done) => dev.once('exit', done));
      dev.kill('SIGINT');
      await exited;
    }
    expect(await store().runs('hello_dev')).toEqual([]);

    // `airstep run` (as `airflow dags test`) runs a paused DAG all the same.
    const run = await cli('run', 'dags/hello.ts', '--date', '2026-11-22');
    expect(run.code).toBe(0);
    expect((await store().runs('hello_dev')).map((r) => [r.runId, r.state])).toEqual([
      ['manual__2026-11-22T00:00:00+00:00', 'success'],
    ]);
  });

  it('unpauses: list shows the next run and the last run state', async () => {
    const unpaused = await cli('unpause', 'hello_dev');
    expect(unpaused).toMatchObject({
      code: 0,
      stdout: 'unpaused hello_dev: airstep dev schedules it again (missed runs as catchup says)\n',
    });
    expect(await store().dagState('hello_dev')).toEqual({ dagId: 'hello_dev' });
    const listed = JSON.parse((await cli('list', '--json')).stdout) as { dags: Array<Record<string, unknown>> };
    expect(listed.dags[0]).toMatchObject({
      paused: false,
      lastRun: { runId: 'manual__2026-11-22T00:00:00+00:00', state: 'success' },
      nextRun: { runAfter: expect.stringMatching(/T00:00:00\+00:00$/) },
    });
    const table = (await cli('list')).stdout.split('\n');
    expect(table[0]).toMatch(/^dag_id\s+schedule\s+tasks\s+paused\s+last_run\s+next_run\s+file$/);
    expect(table[1]).toMatch(/^hello_dev\s+@daily\s+1\s+no\s+success\s+\S+T00:00:00\+00:00\s+dags\/hello\.ts$/);
  });
});

describe('airstep note (local store)', () => {
  const run = 'manual__2026-11-22T00:00:00+00:00';

  it('sets the note of a run by a prefix; runs shows it cut short, tasks and --json whole', async () => {
    const text = 'Rerun after the upstream export was fixed; numbers checked by ops against the warehouse';
    const noted = await cli('note', 'manual__2026-11-22', text);
    expect(noted).toMatchObject({ code: 0, stdout: `noted hello_dev › ${run}: ${text}\n` });
    expect((await store().runs('hello_dev'))[0]!.note).toBe(text);

    const runs = await cli('runs');
    expect(runs.stdout).toMatch(
      new RegExp(
        `^hello_dev  ${run.replace(/[+]/g, '\\+')}  success  \\S+  note: Rerun after the upstream export was fix…\\n$`,
      ),
    );
    const json = JSON.parse((await cli('runs', '--json')).stdout) as { runs: Array<{ note?: string }> };
    expect(json.runs[0]!.note).toBe(text);
    const tasks = await cli('tasks', run);
    expect(tasks.stdout.split('\n').slice(0, 2)).toEqual([`hello_dev › ${run} (success)`, `note: ${text}`]);
  });

  it('refuses an unknown run and a note over 1,000 characters with exit 2, leaving the note as it was', async () => {
    const before = (await store().runs('hello_dev'))[0]!.note;
    const unknown = await cli('note', 'scheduled__', 'x');
    expect(unknown).toMatchObject({ code: 2, stderr: "no run 'scheduled__' of .airstep (see airstep runs)\n" });
    const long = await cli('note', run, 'x'.repeat(1001));
    expect(long).toMatchObject({ code: 2, stderr: 'the note has 1001 characters; at most 1000 (as Airflow)\n' });
    expect((await store().runs('hello_dev'))[0]!.note).toBe(before);
  });

  it('removes the note with an empty text', async () => {
    const removed = await cli('note', run, '', '--json');
    expect(JSON.parse(removed.stdout)).toEqual({ dagId: 'hello_dev', runId: run, note: null });
    expect((await store().runs('hello_dev'))[0]).not.toHaveProperty('note');
  });
});
