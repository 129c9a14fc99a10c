import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveTryLogs } from '../../lib/local/live-try-logs.ts';
import { LocalStore, type TryLogKey } from '../../lib/local/local-store.ts';
import { LocalTaskLogs } from '../../lib/local/local-task-logs.ts';

/** A running try's log, appended to as its lines come, then written whole when the try ends. */
const key: TryLogKey = { dagId: 'etl', runId: 'manual__1', taskId: 'load', mapIndex: -1, tryNumber: 1 };
let root: string;
let store: LocalStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-live-logs-'));
  store = new LocalStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const logText = () => store.readLog(key.dagId, key.runId, key.taskId, key.mapIndex, key.tryNumber);

describe('Class: LiveTryLogs', () => {
  it('grows the try’s log as lines come, then its whole log replaces it with the same lines first', async () => {
    const logs = new LiveTryLogs(store, 0);
    const reader = new LocalTaskLogs(store);
    logs.add(key, ['one']);
    await vi.waitFor(async () => expect(await logText()).toBe('one\n'), { timeout: 30_000, interval: 10 });
    const first = await reader.read(key);
    expect(first).toEqual({ text: 'one\n', cursor: 4 });
    logs.add(key, ['two', 'three']);
    await vi.waitFor(async () => expect(await logText()).toBe('one\ntwo\nthree\n'), { timeout: 30_000, interval: 10 });

    await logs.end(key);
    await store.writeTryLog(key, ['one', 'two', 'three', 'Error: boom']);
    // A reader that followed from its cursor reads on without a line twice.
    expect(await reader.read(key, first!.cursor)).toEqual({ text: 'two\nthree\nError: boom\n', cursor: 26 });
  });

  it('writes nothing for a try that ends before its lines are due: its whole log is written once', async () => {
    const logs = new LiveTryLogs(store, 3_600_000);
    logs.add(key, ['quick']);
    await logs.end(key);
    expect(await logText()).toBeUndefined();
  });

  it('lets a try’s end wait for the append under way, and appends nothing after it', async () => {
    const order: string[] = [];
    let finishAppend: () => void = () => undefined;
    const slow = {
      appendLiveLog: vi.fn(async () => {
        order.push('append started');
        await new Promise<void>((resolve) => {
          finishAppend = resolve;
        });
        order.push('append done');
      }),
    } as unknown as LocalStore;
    const logs = new LiveTryLogs(slow, 0);
    logs.add(key, ['one']);
    await vi.waitFor(() => expect(order).toEqual(['append started']), { timeout: 30_000, interval: 5 });
    logs.add(key, ['two']);
    const ended = logs.end(key).then(() => order.push('end'));
    // Every pending callback has run: the end is still waiting for the append.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['append started']);
    finishAppend();
    await ended;
    logs.add(key, ['late']);
    await logs.endAll();
    expect(order).toEqual(['append started', 'append done', 'end']);
    expect(slow.appendLiveLog).toHaveBeenCalledTimes(1);
  });

  it('on the run’s stop, appends the lines still waiting of the tries that had not ended', async () => {
    const logs = new LiveTryLogs(store, 3_600_000);
    logs.add(key, ['so far']);
    await logs.endAll();
    expect(await logText()).toBe('so far\n');
  });

  it('starts the file over at a try’s first lines (a try number run again after a killed engine)', async () => {
    const path = join(store.runDir(key.dagId, key.runId), 'logs', 'load.try-1.log');
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'from the killed engine\n');
    const logs = new LiveTryLogs(store, 0);
    logs.add(key, ['again']);
    await vi.waitFor(async () => expect(await logText()).toBe('again\n'), { timeout: 30_000, interval: 10 });
  });
});

describe('Class: LocalTaskLogs, a growing log', () => {
  it('reads whole lines only: a line being appended waits for its end', async () => {
    await store.appendLiveLog(key, ['whole'], true);
    const path = join(store.runDir(key.dagId, key.runId), 'logs', 'load.try-1.log');
    await writeFile(path, 'half a li', { flag: 'a' });
    const reader = new LocalTaskLogs(store);
    const first = await reader.read(key);
    expect(first).toEqual({ text: 'whole\n', cursor: 6 });
    await writeFile(path, 'ne\n', { flag: 'a' });
    expect(await reader.read(key, first!.cursor)).toEqual({ text: 'half a line\n', cursor: 18 });
  });
});
