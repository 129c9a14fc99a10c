import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalRunHistory } from '../../lib/local/local-run-history.ts';
import { LocalStore, type RunRecord } from '../../lib/local/local-store.ts';

const run = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  dagId: 'etl',
  runId: 'manual__2026-11-22T06:00:00+00:00',
  runType: 'manual',
  logicalDate: '2026-11-22T06:00:00+00:00',
  file: 'dags/etl.ts',
  state: 'running',
  startedAt: '2026-11-22T06:00:00.000Z',
  conf: {},
  pid: process.pid,
  clockSpeed: 1,
  ...overrides,
});

describe('Class: LocalStore', () => {
  it('stores runs, task instances and logs', async () => {
    const store = new LocalStore(await mkdtemp(join(tmpdir(), 'airstep-store-')));
    await store.saveRun(run());
    await store.saveTasks('etl', run().runId, [{ taskId: 'extract', mapIndex: -1, state: 'success', tries: 2 }]);
    await store.appendLog('etl', run().runId, 'extract', -1, 2, ['hello', 'world']);
    expect(await store.tasks('etl', run().runId)).toEqual([
      { taskId: 'extract', mapIndex: -1, state: 'success', tries: 2 },
    ]);
    expect(await store.readLog('etl', run().runId, 'extract', -1, 2)).toBe('hello\nworld\n');
    expect(await store.readLog('etl', run().runId, 'extract', -1, 1)).toBeUndefined();
  });

  it('finds runs by id or prefix, every DAG or one, as the CLI reads them (LocalRunHistory)', async () => {
    const store = new LocalStore(await mkdtemp(join(tmpdir(), 'airstep-store-')));
    await store.saveRun(run());
    await store.saveRun(run({ dagId: 'other' }));
    await store.saveRun(run({ runId: 'manual__2026-11-23T06:00:00+00:00', startedAt: '2026-11-23T06:00:00.000Z' }));
    const history = await LocalRunHistory.open(store);
    const ids = (runs: RunRecord[]) => runs.map((found) => `${found.dagId} ${found.runId}`);
    // One id in two DAGs: both are found, and --dag tells them apart.
    expect(ids(await history.findRuns(run().runId)).sort()).toEqual([`etl ${run().runId}`, `other ${run().runId}`]);
    expect(ids(await history.findRuns(run().runId, 'other'))).toEqual([`other ${run().runId}`]);
    // A prefix finds every run it starts, newest first; a prefix only one run has finds that one.
    expect(ids(await history.findRuns('manual__2026-11-2', 'etl'))).toEqual([
      'etl manual__2026-11-23T06:00:00+00:00',
      `etl ${run().runId}`,
    ]);
    expect(ids(await history.findRuns('manual__2026-11-23'))).toEqual(['etl manual__2026-11-23T06:00:00+00:00']);
    expect(await history.findRuns('scheduled__')).toEqual([]);
  });

  it('marks a run whose engine process is gone as interrupted, and leaves live ones alone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'airstep-store-'));
    const store = new LocalStore(root);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await store.saveRun(run({ runId: 'manual__dead', pid: Number(dead) }));
    await store.saveRun(run({ runId: 'manual__alive' }));
    const recovered = await store.recoverInterrupted();
    expect(recovered.map((r) => r.runId)).toEqual(['manual__dead']);
    const states = Object.fromEntries((await store.runs('etl')).map((r) => [r.runId, r.state]));
    expect(states).toEqual({ manual__dead: 'interrupted', manual__alive: 'running' });
  });

  it('leaves no temporary files behind after writing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'airstep-store-'));
    const store = new LocalStore(root);
    await store.saveRun(run());
    const files = await readdir(join(root, 'runs', 'etl', 'manual__2026-11-22T06_00_00_00_00'));
    expect(files).toEqual(['run.json']);
  });
});
