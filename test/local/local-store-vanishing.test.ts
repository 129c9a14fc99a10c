import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { LocalStore, type RunRecord } from '../../lib/local/local-store.ts';
import { LocalTaskLogs } from '../../lib/local/local-task-logs.ts';

/**
 * A store file removed while a reader reads it (a run replaced by `--rerun`, a store cleaned up while the UI
 * polls): absent, not an unreadable file. The removal has to land between the reader finding the file and reading
 * it, a window of microseconds in one process that no second process can hit on purpose, so the file is removed
 * through `readFile` itself: just before the real read of a path the test names, the real file is deleted. No
 * production seam is needed; the store reads through `node:fs/promises` as always.
 */
const { vanishing } = vi.hoisted(() => ({ vanishing: new Set<string>() }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (path: Parameters<typeof real.readFile>[0], ...rest: unknown[]) => {
    if (vanishing.delete(String(path))) await real.rm(String(path), { force: true });
    return (real.readFile as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readFile;
  return { ...real, readFile, default: { ...real, readFile } };
});

const run = (runId: string): RunRecord => ({
  dagId: 'etl',
  runId,
  runType: 'manual',
  logicalDate: '2026-11-22T06:00:00+00:00',
  file: 'dags/etl.ts',
  state: 'success',
  startedAt: '2026-11-22T06:00:00.000Z',
  conf: {},
  pid: process.pid,
  clockSpeed: 1,
});

let root: string;
let stderr: MockInstance<typeof process.stderr.write>;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-store-vanishing-'));
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  stderr.mockRestore();
  vanishing.clear();
  await rm(root, { recursive: true, force: true });
});

describe('Class: LocalStore, files removed under a reader', () => {
  it('lists a run whose run.json vanished as it was read as no run, and says nothing', async () => {
    const store = new LocalStore(root);
    await store.saveRun(run('manual__kept'));
    await store.saveRun(run('manual__replaced'));
    vanishing.add(join(store.runDir('etl', 'manual__replaced'), 'run.json'));

    const runs = await store.runs('etl');

    expect(runs.map((found) => found.runId)).toEqual(['manual__kept']);
    expect(vanishing.size).toBe(0);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('reads task instances and a log that vanished as none, and says nothing', async () => {
    const store = new LocalStore(root);
    const runId = 'manual__replaced';
    await store.saveTasks('etl', runId, [{ taskId: 'extract', mapIndex: -1, state: 'success', tries: 1 }]);
    await store.appendLog('etl', runId, 'extract', -1, 1, ['hello']);
    vanishing.add(join(store.runDir('etl', runId), 'tasks.json'));
    vanishing.add(join(store.runDir('etl', runId), 'logs', 'extract.try-1.log'));

    const tasks = await store.tasks('etl', runId);
    const log = await new LocalTaskLogs(store).read({
      dagId: 'etl',
      runId,
      taskId: 'extract',
      mapIndex: -1,
      tryNumber: 1,
    });

    expect(tasks).toEqual([]);
    expect(log).toBeUndefined();
    expect(vanishing.size).toBe(0);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('still reports a file that is there but broken, once', async () => {
    const store = new LocalStore(root);
    await store.saveRun(run('manual__broken'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(store.runDir('etl', 'manual__broken'), 'run.json'), '{ not json');

    expect(await store.runs('etl')).toEqual([]);
    expect(await store.runs('etl')).toEqual([]);

    const lines = stderr.mock.calls.map(([text]) => String(text));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^airstep: skipped .*manual__broken\/run\.json: not valid JSON/);
  });
});
