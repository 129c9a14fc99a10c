import type { DagIR, TaskIR } from './ir.ts';
import { stateNames } from './state-names.ts';

/** What every emission of one IR looks up: tasks by id, their state names, their direct downstream ids. */
export interface IrLookup {
  readonly tasks: ReadonlyMap<string, TaskIR>;
  readonly names: ReadonlyMap<string, string>;
  /** The state names of `names`, to keep other states' names apart from them. */
  readonly taskNames: ReadonlySet<string>;
  readonly downstream: ReadonlyMap<string, readonly string[]>;
}

const built = new WeakMap<DagIR, IrLookup>();

/**
 * Built once per IR: a DAG split into a parent and child machines is emitted once per child with the whole IR
 * (names and keys agree across children), and building these per child cost the whole graph 30 times over for a
 * 10,000-task DAG. The IR is never changed once built (a new mapping mode gives a new IR), so keeping them by its
 * identity keeps the compiler's output what it was.
 */
export function irLookup(ir: DagIR): IrLookup {
  let lookup = built.get(ir);
  if (lookup === undefined) {
    const downstream = new Map<string, string[]>(ir.tasks.map((task) => [task.id, []]));
    for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
    const names = stateNames(ir.tasks.map((task) => task.id));
    lookup = {
      tasks: new Map(ir.tasks.map((task) => [task.id, task])),
      names,
      taskNames: new Set(names.values()),
      downstream,
    };
    built.set(ir, lookup);
  }
  return lookup;
}
