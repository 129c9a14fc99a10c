import { expect } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { TaskInstance } from '../../lib/local/run-dag.ts';
import type { Dag } from '../../lib/sdk/dag.ts';
import { ancestorsOf, tasksEndedBeforeStart } from './asl-dependencies.ts';

/**
 * No false waits, shown without timing. The compiled definition makes each task wait for nothing but its ancestors
 * (read back from the state graph: a false wait would be a non-ancestor certain to have ended when the task starts),
 * and in the run each task started only once its last upstream task had ended. How soon after is a speed figure
 * (the upstream-end -> downstream-start hop of `npm run bench:local`): a margin in milliseconds here failed on a
 * loaded machine (65 ms for a hop that takes 1 ms on an idle one).
 */
export function expectPromptStarts(dag: Dag, tasks: readonly TaskInstance[]): void {
  const compiled = compileDag(dag);
  const upstreamOf = new Map(compiled.ir.tasks.map((task) => [task.id, task.upstream]));
  const ancestors = ancestorsOf(upstreamOf);
  const names = new Map(compiled.manifest!.tasks.map((task) => [task.id, task.stateName]));
  const waitsFor = tasksEndedBeforeStart(compiled.definition!, names);
  const byId = new Map(tasks.filter((task) => task.mapIndex < 0).map((task) => [task.taskId, task]));
  for (const task of compiled.ir.tasks) {
    const falseWaits = [...(waitsFor.get(task.id) ?? [])].filter((id) => !ancestors.get(task.id)!.has(id));
    expect(falseWaits, `${dag.id}: ${task.id} waits for tasks it does not depend on`).toEqual([]);
    const started = byId.get(task.id)?.startedAt;
    if (started === undefined || task.upstream.length === 0) continue;
    const lastUpstreamEnd = Math.max(...task.upstream.map((id) => byId.get(id)!.endedAt!));
    expect(started - lastUpstreamEnd, `${dag.id}: ${task.id} started before its upstream ended`).toBeGreaterThanOrEqual(
      0,
    );
  }
}
