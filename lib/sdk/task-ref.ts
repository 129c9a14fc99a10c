import type { DagGraph } from './dag-graph.ts';
import { DagDefinitionError } from './errors.ts';

/** Anything a dependency can point at: a task, a task group, or a list of them. */
export type Dependency = DependencyNode | GroupDependency | readonly Dependency[];

/** A task group as a dependency: it stands for its first tasks downstream and its last tasks upstream. */
export interface GroupDependency {
  readonly asNode: DependencyNode;
}

/**
 * A task or a task group in a DAG. `a.then(b)` makes `b` run after `a` and returns `b`, so chains read left
 * to right: `extract.then(transform).then(load)`. A group stands for its first tasks when it is downstream and
 * for its last tasks when it is upstream.
 */
export abstract class DependencyNode {
  /** The fully qualified id (group ids are prefixes: `extract.customers`). */
  readonly id: string;
  /** @internal */
  readonly graph: DagGraph;

  protected constructor(graph: DagGraph, id: string) {
    this.graph = graph;
    this.id = id;
  }

  /** Makes `downstream` run after this; returns it for chaining. */
  // biome-ignore lint/suspicious/noThenProperty: `a.then(b)` is the dependency API; awaiting a task is refused below
  then<D extends Dependency>(downstream: D): D {
    refuseAwait(this, downstream);
    for (const node of flatten(downstream)) this.graph.addEdge(this, node);
    return downstream;
  }

  /** Makes this run after every `upstream`; returns this. */
  after(...upstream: Dependency[]): this {
    for (const node of flatten(upstream)) this.graph.addEdge(node, this);
    return this;
  }

  abstract readonly nodeKind: 'task' | 'group';
}

/** A task in a DAG. `T` is the type of its result (its XCom), which downstream tasks receive as input. */
export class TaskRef<T = unknown> extends DependencyNode {
  readonly nodeKind = 'task' as const;
  /** Type-level only: the task's result type. */
  declare readonly __result?: T;

  /** @internal */
  constructor(graph: DagGraph, id: string) {
    super(graph, id);
  }

  override toString(): string {
    return `TaskRef(${this.id})`;
  }
}

/**
 * `then` makes tasks look like promises to `await` and `Promise.resolve`, which call it with functions. A task
 * is not a value to wait for: say so instead of building a nonsense edge.
 */
function refuseAwait(node: DependencyNode, downstream: unknown): void {
  if (typeof downstream !== 'function') return;
  const what = node.nodeKind === 'task' ? `task '${node.id}'` : `task group '${node.id}'`;
  const error = new DagDefinitionError(
    `${what} was awaited or resolved as a promise; tasks are not values (pass them as inputs instead)`,
    { taskId: node.id, field: 'then' },
  );
  // `await` calls `then` from a job with no frame of the DAG file on the stack; the task's declaration (where
  // `await dag.task(…)` usually is) is the best line to point at.
  const declaredAt = node.graph.tasks.get(node.id)?.declaredAt;
  if (declaredAt !== undefined) error.stack = `${error.name}: ${error.message}\n    at ${declaredAt}`;
  throw error;
}

/** Flattens nested dependency lists (tasks, groups) into nodes; anything else is a mistake in the DAG file. */
export function flatten(dependency: Dependency): DependencyNode[] {
  if (dependency instanceof DependencyNode) return [dependency];
  if (Array.isArray(dependency)) return (dependency as readonly Dependency[]).flatMap(flatten);
  const node = (dependency as Partial<GroupDependency> | null | undefined)?.asNode;
  if (node instanceof DependencyNode) return [node];
  throw new DagDefinitionError(`expected a task, a task group or a list of them, got ${describeValue(dependency)}`);
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return `the string '${value}' (name a task by id with the upstream option)`;
  if (typeof value === 'object') {
    // A Dag or a TaskRef from another copy of the SDK names itself; anything else by its kind (Promise, Object).
    const text = typeof (value as { toString?: unknown }).toString === 'function' ? String(value) : '[object Object]';
    return text.startsWith('[object ') ? `an object (${text.slice(8, -1)})` : text;
  }
  return `${typeof value} ${String(value)}`;
}
