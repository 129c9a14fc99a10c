import { expect } from 'vitest';
import { compileDag } from '../../lib/compiler/compile-dag.ts';
import type { TaskInstance } from '../../lib/local/run-dag.ts';
import type { Dag } from '../../lib/sdk/dag.ts';

/** Every task that ran started within `withinMs` of its last upstream task ending (no false waits). */
export function expectPromptStarts(dag: Dag, tasks: readonly TaskInstance[], withinMs = 50): void {
  const byId = new Map(tasks.filter((task) => task.mapIndex < 0).map((task) => [task.taskId, task]));
  for (const task of compileDag(dag).ir.tasks) {
    const started = byId.get(task.id)?.startedAt;
    if (started === undefined || task.upstream.length === 0) continue;
    const lastUpstreamEnd = Math.max(...task.upstream.map((id) => byId.get(id)!.endedAt!));
    expect(started - lastUpstreamEnd, `${dag.id}: ${task.id} started late`).toBeLessThan(withinMs);
    expect(started - lastUpstreamEnd, `${dag.id}: ${task.id} started before its upstream ended`).toBeGreaterThanOrEqual(
      0,
    );
  }
}
