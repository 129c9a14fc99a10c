import { CycleError } from '../sdk/errors.ts';
import type { DagIR } from './ir.ts';
import { mappedOverTasks } from './mapping-ir.ts';

export interface GraphProblem {
  readonly taskId?: string;
  readonly field: string;
  readonly message: string;
}

/** Whole-graph checks on the IR: each returns every problem it finds. */
export function checkGraph(ir: DagIR): GraphProblem[] {
  const problems: GraphProblem[] = [];
  if (ir.tasks.length === 0) problems.push({ field: 'tasks', message: 'the DAG declares no tasks' });
  const cycle = findCycle(
    ir.tasks.map((task) => task.id),
    new Map(ir.tasks.map((task) => [task.id, task.upstream])),
  );
  if (cycle !== undefined) {
    problems.push({ taskId: cycle[0], field: 'upstream', message: new CycleError(cycle).message });
  }
  const byId = new Map(ir.tasks.map((task) => [task.id, task]));
  for (const task of ir.tasks) {
    if (task.kind !== 'code') continue;
    for (const over of mappedOverTasks(task.mapping)) {
      const source = byId.get(over);
      if (source?.kind === 'code' && source.role === 'branch' && task.upstream.includes(over)) {
        problems.push({
          taskId: task.id,
          field: 'over',
          message: `cannot map over branch '${over}' (its result is the ids to follow)`,
        });
      }
      if (source !== undefined && (source.kind === 'empty' || source.kind === 'wait')) {
        problems.push({
          taskId: task.id,
          field: 'over',
          message: `'${source.id}' is ${source.kind === 'empty' ? 'an empty' : 'a wait'} task; its result is null, not a list`,
        });
      }
    }
  }
  return problems;
}

/** A cycle as task ids, first repeated at the end (`a -> b -> a`), or undefined. Iterative DFS. */
export function findCycle(
  ids: readonly string[],
  upstreamOf: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const downstream = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const up of upstreamOf.get(id) ?? []) downstream.get(up)?.push(id);
  const state = new Map<string, 'open' | 'done'>();
  for (const start of ids) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
    state.set(start, 'open');
    path.push(start);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const children = downstream.get(frame.id)!;
      if (frame.next >= children.length) {
        state.set(frame.id, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const child = children[frame.next++]!;
      const seen = state.get(child);
      if (seen === 'open') return [...path.slice(path.indexOf(child)), child];
      if (seen === undefined) {
        state.set(child, 'open');
        path.push(child);
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return undefined;
}
