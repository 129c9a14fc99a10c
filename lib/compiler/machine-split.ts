/**
 * One state machine or a parent and children, for a DAG too big for one. A definition holds at most 1 MiB and an
 * execution's history 25,000 events (limits.ts); a DAG of a thousand or more tasks (a dbt project's models) passes
 * one or both. Then its tasks are cut into parts, each its own child state machine, and a parent starts every child
 * at once (`states:startExecution.sync:2`) in one Parallel and decides the run's result from the tasks' records
 * they return, as a single machine does. Dependencies stay exact: an edge between two children is a gate, the same
 * mechanism that keeps the edges a non series-parallel DAG cuts from its nesting (plan-structure.ts), keyed by the
 * parent's execution so a task waits for exactly its own upstream tasks, wherever they run.
 *
 * The cut: by task group when every top-level group fits in a part (the parts a reader of the DAG knows), else by
 * the graph's topological order in equal runs (so edges between parts only go forward). Pure and deterministic.
 */

import type { DagIR, TaskIR } from './ir.ts';
import { LIMITS } from './limits.ts';
import { topologicalOrder } from './plan-structure.ts';

/** When to split: below Step Functions' quotas, with a margin for what an estimate or a later edit adds. */
export interface SplitThresholds {
  readonly definitionBytes: number;
  readonly historyEvents: number;
}

export const SPLIT_AT: SplitThresholds = {
  definitionBytes: Math.floor(LIMITS.definitionBytes * 0.85),
  historyEvents: Math.floor(LIMITS.historyEvents * 0.85),
};

/** The most children a parent starts: each is a branch of one Parallel, whose result the parent merges. */
export const MAX_MACHINES = 40;

export interface MachinePart {
  /** `part-01`, …: the child machine's suffix, its placeholder and its state in the parent. */
  readonly name: string;
  /** The task ids of this part, sorted. */
  readonly taskIds: readonly string[];
}

export interface MachineCut {
  readonly by: 'group' | 'graph';
  readonly parts: readonly MachinePart[];
}

/** Why one machine does not do: the measures over the thresholds, said as `compile` prints it. */
export function splitReason(
  measured: { readonly definitionBytes: number; readonly historyEvents: number },
  at: SplitThresholds,
): string | undefined {
  const over: string[] = [];
  if (measured.definitionBytes > at.definitionBytes) {
    over.push(
      `one definition would be ${measured.definitionBytes} bytes (split above ${at.definitionBytes}; Step Functions takes at most ${LIMITS.definitionBytes})`,
    );
  }
  if (measured.historyEvents > at.historyEvents) {
    over.push(
      `a run would write about ${measured.historyEvents} history events in one execution (split above ${at.historyEvents}; an execution holds at most ${LIMITS.historyEvents})`,
    );
  }
  return over.length > 0 ? over.join('; ') : undefined;
}

/** How many parts the measures ask for, at the least: each part some way under the thresholds. */
export function partsNeeded(
  measured: { readonly definitionBytes: number; readonly historyEvents: number },
  at: SplitThresholds,
): number {
  // Aim at 80% of a threshold: the gates at the cut edges add states to every child.
  return Math.max(
    2,
    Math.ceil(measured.definitionBytes / (at.definitionBytes * 0.8)),
    Math.ceil(measured.historyEvents / (at.historyEvents * 0.8)),
  );
}

/**
 * Cuts the tasks into about `count` parts of at most `ceil(tasks / count)` tasks: whole top-level task groups
 * (and ungrouped tasks) packed in topological order when every group fits, else equal runs of the topological
 * order. Parts are numbered in topological order.
 */
export function cutMachines(ir: Pick<DagIR, 'tasks'>, count: number): MachineCut {
  const ids = ir.tasks.map((task) => task.id);
  const upstreamOf = new Map(ir.tasks.map((task) => [task.id, task.upstream]));
  const order = topologicalOrder(ids, upstreamOf);
  const capacity = Math.ceil(ids.length / count);
  const byGroup = groupCut(ir.tasks, order, capacity);
  if (byGroup !== undefined) return { by: 'group', parts: named(byGroup) };
  const runs: string[][] = [];
  for (let i = 0; i < order.length; i += capacity) runs.push(order.slice(i, i + capacity));
  return { by: 'graph', parts: named(runs) };
}

/** Whole top-level groups packed in order; undefined when one group alone is over `capacity`, or none is grouped. */
function groupCut(tasks: readonly TaskIR[], order: readonly string[], capacity: number): string[][] | undefined {
  if (tasks.every((task) => task.groups.length === 0)) return undefined;
  const unitOf = new Map(tasks.map((task) => [task.id, task.groups[0] ?? `\u0000${task.id}`]));
  const units = new Map<string, string[]>();
  for (const id of order) {
    const unit = unitOf.get(id)!;
    const members = units.get(unit) ?? [];
    members.push(id);
    units.set(unit, members);
  }
  if ([...units.values()].some((members) => members.length > capacity)) return undefined;
  const parts: string[][] = [];
  let current: string[] = [];
  // Units in the order of their first task, so parts follow the graph as far as groups let them.
  for (const members of units.values()) {
    if (current.length + members.length > capacity && current.length > 0) {
      parts.push(current);
      current = [];
    }
    current.push(...members);
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

function named(parts: readonly string[][]): MachinePart[] {
  const width = Math.max(2, String(parts.length).length);
  return parts.map((taskIds, i) => ({
    name: `part-${String(i + 1).padStart(width, '0')}`,
    taskIds: [...taskIds].sort(),
  }));
}
