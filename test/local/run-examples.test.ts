import { describe, expect, it } from 'vitest';
import branching from '../../dags/examples/branching.ts';
import dbtLikeModels from '../../dags/examples/dbt_like_models.ts';
import mapping from '../../dags/examples/dynamic_mapping.ts';
import firstToFinish from '../../dags/examples/first_to_finish.ts';
import { generated } from '../../dags/examples/generated_dags.ts';
import nonSeriesParallel from '../../dags/examples/non_series_parallel.ts';
import pools from '../../dags/examples/pools.ts';
import groups from '../../dags/examples/task_groups.ts';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { ExecutionEvent } from '../../lib/local/interpreter.ts';
import { runDagLocally, type TaskInstance } from '../../lib/local/run-dag.ts';
import { expectPromptStarts } from '../helpers/prompt-starts.ts';
import { manualContext } from '../helpers/run-context.ts';

const states = (tasks: TaskInstance[]) =>
  Object.fromEntries(tasks.filter((task) => task.mapIndex < 0).map((task) => [task.taskId, task.state]));

describe('Local engine: example DAGs (the compiled ASL, interpreted)', () => {
  it('runs the N shape exactly: after_fast starts right after fast, while slow is still running', async () => {
    const { execution, tasks } = await runDagLocally({ dag: nonSeriesParallel, ctx: manualContext(nonSeriesParallel) });
    expect(execution.status).toBe('SUCCEEDED');
    const by = Object.fromEntries(tasks.map((task) => [task.taskId, task]));
    expect(states(tasks)).toEqual({ slow: 'success', fast: 'success', join: 'success', after_fast: 'success' });
    // after_fast did not wait for slow (3 s of sleep); join did. How soon each started is bench:local's figure.
    expect(by.after_fast!.startedAt!).toBeGreaterThanOrEqual(by.fast!.endedAt!);
    expect(by.after_fast!.endedAt!).toBeLessThan(by.slow!.endedAt!);
    expect(by.join!.startedAt!).toBeGreaterThanOrEqual(by.slow!.endedAt!);
    expect(by.join!.output).toBe('slow done + fast done');
    expectPromptStarts(nonSeriesParallel, tasks);
  });

  it('follows one branch, skips the other, and joins with none_failed_min_one_success', async () => {
    const { execution, tasks } = await runDagLocally({ dag: branching, ctx: manualContext(branching) });
    expect(execution.status).toBe('SUCCEEDED');
    // 2026-11-22 is a Sunday: the full load runs.
    expect(states(tasks)).toEqual({
      choose_path: 'success',
      full_load: 'success',
      incremental_load: 'skipped',
      report: 'success',
    });
    expect(tasks.find((task) => task.taskId === 'report')!.output).toBe('full');
    expectPromptStarts(branching, tasks);
  });

  it('publishes from whichever mirror answers first (one_success) and skips the page when neither failed', async () => {
    const { execution, tasks } = await runDagLocally({ dag: firstToFinish, ctx: manualContext(firstToFinish) });
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toEqual({
      fetch_primary: 'success',
      fetch_backup: 'success',
      publish: 'success',
      page_on_call: 'skipped',
      verify_backup: 'success',
    });
    // The order of starts is proven in test/local/early-trigger-rules.test.ts, without a sleep.
  });

  it('maps over an upstream list and a literal list, and combines the items in order', async () => {
    const { execution, tasks } = await runDagLocally({ dag: mapping, ctx: manualContext(mapping) });
    expect(execution.status).toBe('SUCCEEDED');
    expect(states(tasks)).toMatchObject({
      list_partitions: 'success',
      process_partition: 'success',
      combine: 'success',
      notify_channels: 'success',
    });
    expect(tasks.filter((task) => task.taskId === 'process_partition' && task.mapIndex >= 0)).toHaveLength(4);
    expect(tasks.find((task) => task.taskId === 'combine')!.output).toEqual({ partitions: 4, rows: 320 });
    expectPromptStarts(mapping, tasks);
  });

  it('runs task groups, pools and generated DAGs to success', async () => {
    for (const dag of [groups, pools, ...generated]) {
      const { execution, tasks } = await runDagLocally({ dag, ctx: manualContext(dag) });
      expect(execution.status, dag.id).toBe('SUCCEEDED');
      expect(
        tasks.every((task) => task.state === 'success'),
        dag.id,
      ).toBe(true);
      expectPromptStarts(dag, tasks);
    }
  });

  it('runs the 1,200-model dbt-like DAG as a parent and child state machines, every model in order', async () => {
    const compiled = compileDag(dbtLikeModels);
    expect(compiled.children!.length).toBeGreaterThanOrEqual(2);
    const events: ExecutionEvent[] = [];
    const { execution, tasks } = await runDagLocally({
      dag: dbtLikeModels,
      ctx: manualContext(dbtLikeModels),
      onEvent: (event) => events.push(event),
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks).toHaveLength(1200);
    expect(tasks.every((task) => task.state === 'success' && task.tries === 1)).toBe(true);
    // The parent and each child ran as executions; no model started before its upstream models ended.
    expect(events.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1 + compiled.children!.length);
    const by = new Map(tasks.map((task) => [task.taskId, task]));
    for (const task of compiled.ir.tasks) {
      for (const up of task.upstream) expect(by.get(task.id)!.startedAt!).toBeGreaterThanOrEqual(by.get(up)!.endedAt!);
    }
  });
});
