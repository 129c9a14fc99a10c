import { describe, expect, it } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import { effectivePriorityWeights } from '../../lib/compiler/priority-weights.ts';
import { workerTasksOf } from '../../lib/compiler/worker-contract.ts';
import { dag } from '../../lib/index.ts';

describe('Function: effectivePriorityWeights', () => {
  it("adds every downstream task's weight once, as Airflow's default weight_rule (downstream) does", () => {
    // extract -> (clean, audit) -> load; audit also feeds report. `load` is reached by two paths, counted once.
    const weights = effectivePriorityWeights([
      { id: 'extract', upstream: [], priorityWeight: 1 },
      { id: 'clean', upstream: ['extract'], priorityWeight: 2 },
      { id: 'audit', upstream: ['extract'], priorityWeight: 10 },
      { id: 'load', upstream: ['audit', 'clean'], priorityWeight: 3 },
      { id: 'report', upstream: ['audit'], priorityWeight: 100 },
    ]);
    expect(Object.fromEntries(weights)).toEqual({
      extract: 1 + 2 + 10 + 3 + 100,
      clean: 2 + 3,
      audit: 10 + 3 + 100,
      load: 3,
      report: 100,
    });
  });

  it('puts the effective weight into the manifest, where the local engine and the cloud workers read it', () => {
    const d = dag({ id: 'weighted' });
    const first = d.task('first', async () => 1);
    d.task('second', { upstream: first, priorityWeight: 5 }, async () => 2);
    d.task('alone', { priorityWeight: 4 }, async () => 3);

    const tasks = workerTasksOf(compileDag(d).manifest!);

    expect([...tasks.values()].map((task) => [task.id, task.priorityWeight])).toEqual([
      ['alone', 4],
      ['first', 6],
      ['second', 5],
    ]);
  });
});
