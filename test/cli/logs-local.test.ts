import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalStore, type RunRecord } from '../../lib/local/local-store.ts';

/**
 * `airstep logs` on the local store (`.airstep/` in the working directory), as a child process: the records and
 * log files are written with the store the engine writes them with. `--follow` on a run still running waits for
 * its end (the engine writes a run's logs when it ends) and prints them then.
 */
const BIN = resolve('bin/airstep.js');
let cwd: string;
let store: LocalStore;

function airstep(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

const run = (runId: string, state: RunRecord['state']): RunRecord => ({
  dagId: 'etl',
  runId,
  runType: 'manual',
  logicalDate: '2026-11-20T00:00:00.000Z',
  file: 'dags/etl.ts',
  state,
  startedAt: '2026-11-22T08:00:00.000Z',
  conf: {},
  // This process: a live engine, so opening the store does not mark the run interrupted.
  pid: process.pid,
  clockSpeed: 1,
});

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'airstep-logs-local-'));
  store = new LocalStore(join(cwd, '.airstep'));
  await store.saveRun(run('manual__2026-11-20T00:00:00+00:00', 'success'));
  await store.saveTasks('etl', 'manual__2026-11-20T00:00:00+00:00', [
    { taskId: 'extract', mapIndex: -1, state: 'success', tries: 2 },
    { taskId: 'check', mapIndex: -1, state: 'success', tries: 1 },
  ]);
  await store.appendLog('etl', 'manual__2026-11-20T00:00:00+00:00', 'extract', -1, 1, ['try one', 'Error: reset']);
  await store.appendLog('etl', 'manual__2026-11-20T00:00:00+00:00', 'extract', -1, 2, ['try two']);
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('Command: airstep logs (local store)', () => {
  it('prints the last try by default, --try another, --json one document', async () => {
    const [last, first, json] = await Promise.all([
      airstep('logs', 'manual__2026-11-20', 'extract'),
      airstep('logs', 'manual__2026-11-20', 'extract', '--try', '1'),
      airstep('logs', 'manual__2026-11-20', 'extract', '--json'),
    ]);
    expect(last).toEqual({ code: 0, stdout: 'try two\n', stderr: '' });
    expect(first).toEqual({ code: 0, stdout: 'try one\nError: reset\n', stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      runId: 'manual__2026-11-20T00:00:00+00:00',
      taskId: 'extract',
      mapIndex: -1,
      try: 2,
      log: 'try two\n',
    });
  });

  it('refuses an unknown task, a try it does not have, a native step’s log and a stray --interval, with exit 2', async () => {
    const refused = await Promise.all([
      airstep('logs', 'manual__2026-11-20', 'nope'),
      airstep('logs', 'manual__2026-11-20', 'extract', '--try', '3'),
      airstep('logs', 'manual__2026-11-20', 'check'),
      airstep('logs', 'manual__2026-11-20', 'extract', '--interval', '1'),
      airstep('logs', 'manual__2026-11-20', 'extract', '--follow', '--interval', '0'),
    ]);
    expect(refused.map((r) => [r.code, r.stdout, r.stderr.trim()])).toEqual([
      [2, '', "run manual__2026-11-20T00:00:00+00:00 has no task 'nope'"],
      [2, '', 'extract of run manual__2026-11-20T00:00:00+00:00 has 2 tries, not 3'],
      [2, '', 'no log for try 1 of check in .airstep (it has 1 tries; native steps log nothing)'],
      [2, '', '--interval works only with --follow'],
      [2, '', '--interval 0: expected a number of seconds above 0'],
    ]);
  });

  it('--follow waits for a running run to end, then prints the try’s log and exits', async () => {
    const runId = 'manual__2026-11-21T00:00:00+00:00';
    await store.saveRun(run(runId, 'running'));
    await store.saveTasks('etl', runId, [{ taskId: 'extract', mapIndex: -1, state: 'running', tries: 1 }]);
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, 'logs', runId, 'extract', '--follow', '--interval', '0.1'],
      {
        cwd,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? -1)));
    // The follower has found the run running and is waiting for the try's end.
    await vi.waitFor(() => expect(stderr).toContain('following try 1 of extract'), { timeout: 90_000, interval: 50 });
    expect(child.exitCode).toBeNull();
    // The run ends as the engine records it: logs, then tasks, then the run.
    await store.appendLog('etl', runId, 'extract', -1, 1, ['followed line']);
    await store.saveTasks('etl', runId, [{ taskId: 'extract', mapIndex: -1, state: 'success', tries: 1 }]);
    await store.saveRun({ ...run(runId, 'success'), endedAt: '2026-11-22T08:01:00.000Z' });
    expect(await exited).toBe(0);
    expect(stdout).toBe('followed line\n');
    expect(stderr).toBe(`following try 1 of extract of ${runId} until it ends\n`);
  }, 180_000);
});
