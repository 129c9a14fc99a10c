import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { type ClearedInstance, clearPlan } from '../../lib/runs/clear-plan.ts';
import { dag } from '../../lib/sdk/index.ts';

/**
 * Airflow's rule "if you clear a task, its setups and teardowns will be cleared", on a manifest compiled from a
 * real DAG: `create` / `delete` wrap `query` and `report`; `lock` / `unlock` wrap `unrelated` only, though
 * `query` also waits for `lock` (so `lock` is upstream of `query` without its resource being used there).
 */
const d = dag({ id: 'cluster_work', schedule: null });
const create = d.task('create', { setup: true }, async () => 'cluster-1');
const lock = d.task('lock', { setup: true }, async () => 'lock-1');
const query = d.task('query', { upstream: [create, lock] }, async () => 1);
const report = d.task('report', { upstream: query }, async () => 2);
const unrelated = d.task('unrelated', { upstream: lock }, async () => 3);
d.task('unlock', { upstream: unrelated, teardown: { setups: lock } }, async () => 4);
d.task('delete', { upstream: report, teardown: { setups: create } }, async () => 5);
const compiled = compileDag(d);

const ok = (taskId: string): ClearedInstance => ({ taskId, mapIndex: -1, state: 'success', tries: 1, output: 1 });
const failedRun: ClearedInstance[] = [
  ok('create'),
  ok('lock'),
  { taskId: 'query', mapIndex: -1, state: 'failed', tries: 1, error: 'Error' },
  { taskId: 'report', mapIndex: -1, state: 'upstream_failed', tries: 0 },
  ok('unrelated'),
  ok('unlock'),
  ok('delete'),
];
const plan = (task?: RegExp) => {
  const result = clearPlan({
    manifest: compiled.manifest!,
    instances: failedRun,
    choice: task !== undefined ? { task } : {},
    previousClears: 0,
  });
  if (!result.ok) throw new Error(result.message);
  return result;
};

describe('clearPlan: setups and teardowns (Airflow: clearing a task clears its setups and teardowns)', () => {
  it('the manifest names the setups and what each teardown tears down', () => {
    expect(compiled.problems).toEqual([]);
    const tasks = new Map(compiled.manifest!.tasks.map((task) => [task.id, task]));
    expect(tasks.get('create')?.setup).toBe(true);
    expect(tasks.get('delete')?.teardownOf).toEqual(['create']);
    expect(tasks.get('query')?.setup).toBeUndefined();
    expect(tasks.get('query')?.teardownOf).toBeUndefined();
  });

  it('a cleared work task brings the setup whose teardown is downstream of it, and that teardown', () => {
    const result = plan();
    // query failed and report is upstream_failed; create and delete come with them, lock and unlock do not
    // (unlock is not downstream of query: query does not use lock's resource).
    expect(result.cleared).toEqual(['create', 'delete', 'query', 'report']);
    expect(Object.keys(result.clear.kept).sort()).toEqual(['lock', 'unlock', 'unrelated']);
  });

  it('a cleared setup brings its teardowns; a cleared teardown brings nothing', () => {
    expect(plan(/^create$/).cleared).toEqual(['create', 'delete']);
    expect(plan(/^delete$/).cleared).toEqual(['delete']);
  });

  it('a setup with no teardown is brought by any task below it', () => {
    const bare = dag({ id: 'bare_setup', schedule: null });
    const make = bare.task('make', { setup: true }, async () => 1);
    bare.task('use', { upstream: make }, async () => 2);
    const manifest = compileDag(bare).manifest!;
    const result = clearPlan({
      manifest,
      instances: [ok('make'), { taskId: 'use', mapIndex: -1, state: 'failed', tries: 1, error: 'Error' }],
      choice: {},
      previousClears: 0,
    });
    expect(result.ok && result.cleared).toEqual(['make', 'use']);
  });
});
