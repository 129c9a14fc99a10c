import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { LocalXComStore } from '../../lib/local/local-xcom-store.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { NonRetryableError, SkipError } from '../../lib/sdk/errors.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Distributed mappings (distributed: true, or chosen for the history) in the local engine. */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airstep-dmap-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = async (d: ReturnType<typeof dag>) =>
  runDagLocally({
    dag: d,
    ctx: manualContext(d),
    clock: new Clock({ speed: 1000 }),
    xcom: new LocalXComStore(root),
  });
const stateOf = (tasks: readonly TaskInstance[], taskId: string, mapIndex = -1) =>
  tasks.find((t) => t.taskId === taskId && t.mapIndex === mapIndex)?.state;
const itemStates = (tasks: readonly TaskInstance[], taskId: string) =>
  tasks
    .filter((t) => t.taskId === taskId && t.mapIndex >= 0)
    .sort((a, b) => a.mapIndex - b.mapIndex)
    .map((t) => t.state);

/** Files under the store root, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('Local engine: a distributed mapping', () => {
  it('reads the list the upstream wrote, runs each item as a child, and hands the results on in item order', async () => {
    // Prepare: 500 items, at most 7 at once, each item's result larger for later items (finish order varies).
    const d = dag({ id: 'dmap_order' });
    const list = d.task('list', async () => Array.from({ length: 500 }, (_, i) => i));
    let running = 0;
    let most = 0;
    const each = d.expand(
      'each',
      { over: list, distributed: true, maxMapConcurrency: 7 },
      async (ctx, item: number) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, (item * 7) % 5));
        running--;
        expect(ctx.mapIndex).toBe(item);
        return { item, doubled: item * 2 };
      },
    );
    const total = d.task('total', { inputs: { each } }, async (_ctx, { each }) => {
      const list = each as Array<{ item: number; doubled: number }>;
      return { count: list.length, inOrder: list.every((r, i) => r.item === i && r.doubled === 2 * i) };
    });

    // Act
    const { execution, tasks } = await run(d);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks.find((t) => t.taskId === total.id)?.output).toEqual({ count: 500, inOrder: true });
    expect(stateOf(tasks, 'each')).toBe('success');
    expect(itemStates(tasks, 'each').every((s) => s === 'success')).toBe(true);
    expect(most).toBeLessThanOrEqual(7);
    // The mapped task's record is where its results are, not the list: it never enters the payload.
    const output = tasks.find((t) => t.taskId === 'each' && t.mapIndex === -1)?.output as { mapResults: string };
    expect(output.mapResults).toMatch(
      /^s3:\/\/airstep-local-xcom\/xcom\/map-results\/dmap_order\/each\/.+\/manifest\.json$/,
    );
    // The upstream's list was written whole to the XCom store; the results in ResultWriter's layout beside it.
    const files = await filesUnder(root);
    expect(files.some((f) => /^xcom\/dmap_order\/.+\/list\/-1\/try-1\.json$/.test(f))).toBe(true);
    const manifestFile = files.find((f) => f.endsWith('manifest.json'))!;
    const manifest = JSON.parse(await readFile(join(root, manifestFile), 'utf8'));
    expect(manifest.DestinationBucket).toBe('airstep-local-xcom');
    expect(manifest.ResultFiles.SUCCEEDED).toHaveLength(1);
    expect(manifest.ResultFiles.FAILED).toEqual([]);
  });

  it('maps more items than an inline Map could hold (chosen by expectedItems), in order', async () => {
    // 4,000 items × 8 events is over a run's 25,000: compile makes the mapping distributed by itself.
    const n = 4000;
    const d = dag({ id: 'dmap_large' });
    const list = d.task('list', async () => Array.from({ length: n }, (_, i) => i));
    const each = d.expand('each', { over: list, expectedItems: n }, async (_ctx, item: number) => item * 3);
    d.task('check', { inputs: { each } }, async (_ctx, { each }) => (each as number[]).every((v, i) => v === i * 3));
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks.find((t) => t.taskId === 'check')?.output).toBe(true);
    expect(itemStates(tasks, 'each')).toHaveLength(n);
  }, 300_000);

  it('succeeds within its tolerated failures, the failed items failed and null in the results', async () => {
    const d = dag({ id: 'dmap_tolerated' });
    const each = d.expand(
      'each',
      { over: [0, 1, 2, 3, 4, 5], distributed: true, toleratedFailureCount: 2, retries: 0 },
      async (_ctx, item: number) => {
        if (item === 1 || item === 4) throw new NonRetryableError(`item ${item} is bad`);
        return item * 10;
      },
    );
    const after = d.task('after', { inputs: { each } }, async (_ctx, { each }) => each);
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(stateOf(tasks, 'each')).toBe('success');
    expect(itemStates(tasks, 'each')).toEqual(['success', 'failed', 'success', 'success', 'failed', 'success']);
    expect(tasks.find((t) => t.taskId === after.id)?.output).toEqual([0, null, 20, 30, null, 50]);
  });

  it('fails the task, and stops, at one failure more than tolerated (0 by default)', async () => {
    const d = dag({ id: 'dmap_over' });
    const started: number[] = [];
    d.expand(
      'each',
      { over: Array.from({ length: 50 }, (_, i) => i), distributed: true, maxMapConcurrency: 1, retries: 0 },
      async (_ctx, item: number) => {
        started.push(item);
        if (item === 2) throw new Error('item 2 broke');
        return item;
      },
    );
    const { execution, tasks } = await run(d);
    // The task failed (caught into its record, the run ends failed), and no item after the failure started.
    expect(stateOf(tasks, 'each')).toBe('failed');
    const record = tasks.find((t) => t.taskId === 'each' && t.mapIndex === -1)!;
    expect(record.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(started).toEqual([0, 1, 2]);
    expect(itemStates(tasks, 'each')).toEqual(['success', 'success', 'failed']);
    expect(execution.status).toBe('FAILED');
  });

  it('counts a percentage of all the items', async () => {
    const make = (failing: number) => {
      const d = dag({ id: `dmap_percent_${failing}` });
      d.expand(
        'each',
        {
          over: Array.from({ length: 20 }, (_, i) => i),
          distributed: true,
          toleratedFailurePercentage: 10,
          retries: 0,
        },
        async (_ctx, item: number) => {
          if (item < failing) throw new Error('bad');
          return item;
        },
      );
      return d;
    };
    // 2 of 20 is 10%: tolerated; 3 is 15%: not.
    expect(stateOf((await run(make(2))).tasks, 'each')).toBe('success');
    expect(stateOf((await run(make(3))).tasks, 'each')).toBe('failed');
  });

  it('passes an item that skips itself on as null, and the task succeeds', async () => {
    const d = dag({ id: 'dmap_skip' });
    const each = d.expand('each', { over: [1, 2, 3], distributed: true }, async (_ctx, item: number) => {
      if (item === 2) throw new SkipError('not this one');
      return item;
    });
    const after = d.task('after', { inputs: { each } }, async (_ctx, { each }) => each);
    const { tasks } = await run(d);
    expect(itemStates(tasks, 'each')).toEqual(['success', 'skipped', 'success']);
    expect(stateOf(tasks, 'each')).toBe('success');
    expect(tasks.find((t) => t.taskId === after.id)?.output).toEqual([1, null, 3]);
  });

  it('fails the task when the list task returns no list', async () => {
    const d = dag({ id: 'dmap_not_list' });
    const list = d.task('list', async () => ({ not: 'a list' }));
    d.expand('each', { over: list as never, distributed: true }, async (_ctx, item: number) => item);
    const { tasks } = await run(d);
    expect(stateOf(tasks, 'list')).toBe('failed');
    expect(tasks.find((t) => t.taskId === 'list')?.errorMessage).toContain(
      'a distributed mapping maps over its result, which must be a list',
    );
    expect(stateOf(tasks, 'each')).toBe('upstream_failed');
  });
});
