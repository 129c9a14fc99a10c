import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Clock } from '../../lib/local/clock.ts';
import { LocalXComStore } from '../../lib/local/local-xcom-store.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { isXComRef } from '../../lib/runtime/xcom.ts';
import { dag } from '../../lib/sdk/dag.ts';
import { manualContext } from '../helpers/run-context.ts';

/** Mapping over a cross product of named lists, and over argument objects (expandKwargs), in the local engine. */
const run = async (d: ReturnType<typeof dag>) =>
  runDagLocally({ dag: d, ctx: manualContext(d), clock: new Clock({ speed: 1000 }) });
const itemsOf = (tasks: readonly TaskInstance[], taskId: string) =>
  tasks
    .filter((t) => t.taskId === taskId && t.mapIndex >= 0)
    .sort((a, b) => a.mapIndex - b.mapIndex)
    .map((t) => [t.mapIndex, t.state]);

describe('Local engine: expand over several lists (cross product)', () => {
  it("calls the function once per combination, indexed in Airflow's order (the last list varies fastest)", async () => {
    const d = dag({ id: 'cross_literal' });
    const seen: Array<[number, number, number]> = [];
    const add = d.expand('add', { over: { x: [2, 4, 8], y: [5, 10] } }, async (ctx, { x, y }) => {
      seen.push([ctx.mapIndex, x, y]);
      return x + y;
    });
    const sums = d.task('sums', { inputs: { add } }, async (_ctx, { add }) => add);
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(seen.sort((a, b) => a[0] - b[0])).toEqual([
      [0, 2, 5],
      [1, 2, 10],
      [2, 4, 5],
      [3, 4, 10],
      [4, 8, 5],
      [5, 8, 10],
    ]);
    expect(tasks.find((t) => t.taskId === sums.id)?.output).toEqual([7, 12, 9, 14, 13, 18]);
  });

  it('maps over upstream results and literals together, three lists deep, with partial arguments', async () => {
    const d = dag({ id: 'cross_upstream' });
    const regions = d.task('regions', async () => ['eu', 'us']);
    const days = d.task('days', async () => ['mon', 'tue']);
    const label = d.expand(
      'label',
      { over: { region: regions, day: days, size: ['s', 'm', 'l'] }, partial: { sep: '/' } },
      async (_ctx, item, { sep }) => [item.region, item.day, item.size].join(String(sep)),
    );
    const all = d.task('all', { inputs: { label } }, async (_ctx, { label }) => label);
    const { tasks } = await run(d);
    const expected = ['eu', 'us'].flatMap((r) =>
      ['mon', 'tue'].flatMap((day) => ['s', 'm', 'l'].map((s) => `${r}/${day}/${s}`)),
    );
    expect(tasks.find((t) => t.taskId === all.id)?.output).toEqual(expected);
    expect(itemsOf(tasks, 'label')).toHaveLength(12);
  });

  it('skips the task when one list is empty, as a map over an empty list', async () => {
    const d = dag({ id: 'cross_empty' });
    const none = d.task('none', async () => [] as number[]);
    let calls = 0;
    d.expand('pairs', { over: { a: [1, 2], b: none } }, async () => {
      calls++;
    });
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls).toBe(0);
    expect(tasks.find((t) => t.taskId === 'pairs' && t.mapIndex < 0)?.state).toBe('skipped');
  });

  it('fails the run, running no combination, when an upstream result is not a list', async () => {
    const d = dag({ id: 'cross_not_list' });
    const one = d.task('one', async () => 'not a list' as unknown as number[]);
    let calls = 0;
    d.expand('pairs', { over: { a: [1], b: one } }, async () => {
      calls++;
    });
    const { execution, tasks } = await run(d);
    expect(execution.status).toBe('FAILED');
    expect(calls).toBe(0);
    expect(tasks.find((t) => t.taskId === 'pairs' && t.mapIndex < 0)?.state).not.toBe('success');
  });
});

describe('Local engine: expandKwargs', () => {
  it('calls the function with each argument object over the partial ones, in list order', async () => {
    const d = dag({ id: 'kwargs_upstream' });
    const jobs = d.task('jobs', async () => [
      { table: 'a', rows: 1 },
      { table: 'b', rows: 2, mode: 'full' },
    ]);
    const seed = d.task('seed', async () => 100);
    const load = d.expandKwargs(
      'load',
      { over: jobs, partial: { mode: 'append' }, inputs: { seed } },
      async (ctx, kwargs, inputs) => ({ index: ctx.mapIndex, ...kwargs, seed: inputs.seed, keys: Object.keys(inputs) }),
    );
    const out = d.task('out', { inputs: { load } }, async (_ctx, { load }) => load);
    const { tasks } = await run(d);
    expect(tasks.find((t) => t.taskId === out.id)?.output).toEqual([
      { index: 0, mode: 'append', table: 'a', rows: 1, seed: 100, keys: ['seed'] },
      { index: 1, mode: 'full', table: 'b', rows: 2, seed: 100, keys: ['seed'] },
    ]);
  });

  it('fails an item that is not an object at once, without retrying it', async () => {
    const d = dag({ id: 'kwargs_bad_item' });
    // A bad item, as an upstream task could return one: the types cannot see it coming.
    const jobs = d.task('jobs', async () => [{ table: 'a' }, 'oops'] as unknown as Array<{ table: string }>);
    let calls = 0;
    d.expandKwargs('load', { over: jobs, retries: 2, retryDelay: 1 }, async () => {
      calls++;
      return 'ok';
    });
    const { execution, tasks, tries } = await run(d);
    expect(execution.status).toBe('FAILED');
    expect(calls).toBe(1);
    expect(itemsOf(tasks, 'load')).toEqual([
      [0, 'success'],
      [1, 'failed'],
    ]);
    expect(tries.filter((t) => t.taskId === 'load' && t.mapIndex === 1)).toHaveLength(1);
  });
});

describe('Local engine: cross product over offloaded items', () => {
  it('gives the function the values of large list items the upstream task offloaded to the XCom store', async () => {
    const d = dag({ id: 'cross_offloaded', xcomOffloadBytes: 1024 });
    const big = (n: number) => `${n}`.padEnd(2000, '.');
    const blobs = d.task('blobs', async () => [big(1), big(2)]);
    const sizes = d.expand('sizes', { over: { blob: blobs, factor: [1, 10] } }, async (_ctx, { blob, factor }) => {
      return `${blob[0]}:${blob.length * factor}`;
    });
    const all = d.task('all', { inputs: { sizes } }, async (_ctx, { sizes }) => sizes);
    const root = await mkdtemp(join(tmpdir(), 'airstep-xcom-'));
    try {
      const xcom = new LocalXComStore(root);
      const { tasks } = await runDagLocally({ dag: d, ctx: manualContext(d), clock: new Clock({ speed: 1000 }), xcom });
      // The items really travelled as references: the list the Map read holds them.
      const listed = tasks.find((t) => t.taskId === blobs.id)?.output as unknown[];
      expect(listed.every(isXComRef)).toBe(true);
      expect(tasks.find((t) => t.taskId === all.id)?.output).toEqual(['1:2000', '1:20000', '2:2000', '2:20000']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
