/**
 * Chooses the shape of the state machine. Series-parallel parts of the DAG become sequences and nested Parallel
 * states. Where the DAG is not series-parallel (the "N" shape: a -> c, b -> c, b -> d), some edges are cut from
 * the nesting and kept as gates: the downstream task's branch waits at a gate that opens when the cut upstream
 * task signals its end. Every place a task waits is one of its real ancestors, so no false edge is added and a
 * task starts as soon as its own upstream tasks end. A task that starts early (`one_success` and its kin, see
 * early-trigger-rules.ts) has every upstream edge cut: it waits at a gate in a branch beside its upstream tasks,
 * which opens as soon as its trigger rule can be decided.
 */

import { CycleError } from '../sdk/errors.ts';
import { findCycle } from './check-graph.ts';

export type Step =
  | { readonly kind: 'task'; readonly id: string }
  | { readonly kind: 'parallel'; readonly branches: Block[] };
export type Block = Step[];

export interface StructurePlan {
  readonly root: Block;
  /** Task id -> upstream ids whose edge was cut from the nesting (waited for at a gate unless already done). */
  readonly cutEdges: ReadonlyMap<string, readonly string[]>;
  /**
   * Task id -> upstream states any one of which opens its gate early (every upstream edge of these is cut); an
   * empty list: no gate, the task starts with its branch (`always`).
   */
  readonly openEarly: ReadonlyMap<string, readonly string[]>;
}

/** Components this large skip the exact series-split search and cut every extra parent edge at once. */
const LARGE_COMPONENT = 400;

/**
 * `ids` must be sorted and acyclic under `upstreamOf` (`checkGraph` refuses a cycle first; here a cycle throws
 * a `CycleError`). Deterministic: the same DAG always gives
 * the same plan.
 */
export function planStructure(
  ids: readonly string[],
  upstreamOf: ReadonlyMap<string, readonly string[]>,
  openEarly: ReadonlyMap<string, readonly string[]> = new Map(),
): StructurePlan {
  const order = topologicalOrder(ids, upstreamOf);
  const index = new Map(order.map((id, i) => [id, i]));
  const parents: Set<number>[] = order.map((id) => new Set(upstreamOf.get(id)!.map((up) => index.get(up)!)));
  const children: Set<number>[] = order.map(() => new Set());
  parents.forEach((ps, child) => {
    for (const parent of ps) children[parent]!.add(child);
  });
  const cut = new Map<number, number[]>();
  for (const id of openEarly.keys()) {
    const child = index.get(id)!;
    if (parents[child]!.size === 0) continue;
    cut.set(
      child,
      [...parents[child]!].sort((a, b) => a - b),
    );
    for (const parent of parents[child]!) children[parent]!.delete(child);
    parents[child]!.clear();
  }
  const graph: Graph = { parents, children, cut };
  const root = decompose(
    graph,
    order.map((_, i) => i),
  );
  const cutEdges = new Map<string, string[]>();
  for (const [child, ups] of [...cut.entries()].sort(([a], [b]) => a - b)) {
    cutEdges.set(order[child]!, ups.map((up) => order[up]!).sort());
  }
  const named = (block: NumBlock): Block =>
    block.map((step) =>
      typeof step === 'number' ? { kind: 'task', id: order[step]! } : { kind: 'parallel', branches: step.map(named) },
    );
  return { root: named(root), cutEdges, openEarly };
}

/** Kahn's algorithm, taking ready tasks in id order; a cycle throws a `CycleError` naming it. */
export function topologicalOrder(ids: readonly string[], upstreamOf: ReadonlyMap<string, readonly string[]>): string[] {
  const indegree = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const id of ids) {
    indegree.set(id, upstreamOf.get(id)?.length ?? 0);
    downstream.set(id, []);
  }
  for (const id of ids) for (const up of upstreamOf.get(id) ?? []) downstream.get(up)!.push(id);
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  for (let head = 0; head < ready.length; head++) {
    const id = ready[head]!;
    order.push(id);
    for (const child of downstream.get(id)!) {
      const left = indegree.get(child)! - 1;
      indegree.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  if (order.length < ids.length) {
    // The tasks left over each wait on another: without this, the plan would silently leave them out.
    throw new CycleError(findCycle(ids, upstreamOf) ?? ids.filter((id) => !order.includes(id)));
  }
  return order;
}

type NumBlock = Array<number | NumBlock[]>;
interface Graph {
  readonly parents: Set<number>[];
  readonly children: Set<number>[];
  readonly cut: Map<number, number[]>;
}

/** Nodes are numbered in topological order, so sorting a set of them sorts it topologically. */
function decompose(graph: Graph, nodes: number[]): NumBlock {
  if (nodes.length === 1) return [nodes[0]!];
  const members = new Set(nodes);
  const head: number[] = [];
  const tail: number[] = [];
  const remaining = new Set(nodes);

  // A lone first task runs before everything else in this set: peel it off (a chain costs no search).
  const indegree = new Map<number, number>();
  for (const node of nodes) indegree.set(node, count(graph.parents[node]!, members));
  let sources = nodes.filter((node) => indegree.get(node) === 0);
  while (sources.length === 1 && remaining.size > 1) {
    const source = sources[0]!;
    head.push(source);
    remaining.delete(source);
    sources = [];
    for (const child of graph.children[source]!) {
      if (!remaining.has(child)) continue;
      const left = indegree.get(child)! - 1;
      indegree.set(child, left);
      if (left === 0) sources.push(child);
    }
  }
  // Likewise a lone last task.
  const outdegree = new Map<number, number>();
  for (const node of remaining) outdegree.set(node, count(graph.children[node]!, remaining));
  let sinks = [...remaining].filter((node) => outdegree.get(node) === 0);
  while (sinks.length === 1 && remaining.size > 1) {
    const sink = sinks[0]!;
    tail.push(sink);
    remaining.delete(sink);
    sinks = [];
    for (const parent of graph.parents[sink]!) {
      if (!remaining.has(parent)) continue;
      const left = outdegree.get(parent)! - 1;
      outdegree.set(parent, left);
      if (left === 0) sinks.push(parent);
    }
  }

  const middle: NumBlock = [];
  const rest = [...remaining].sort((a, b) => a - b);
  if (rest.length === 1) middle.push(rest[0]!);
  else if (rest.length > 1) middle.push(...decomposeConnected(graph, rest));
  return [...head, ...middle, ...tail.reverse()];
}

/** Several independent parts become one Parallel; one connected part is split in series or has edges cut. */
function decomposeConnected(graph: Graph, nodes: number[]): NumBlock {
  const parts = components(graph, nodes);
  if (parts.length > 1) return [parts.map((part) => decompose(graph, part))];
  const prefix = nodes.length <= LARGE_COMPONENT ? seriesPrefix(graph, nodes) : undefined;
  if (prefix !== undefined) {
    const inPrefix = new Set(prefix);
    return [
      ...decompose(graph, prefix),
      ...decompose(
        graph,
        nodes.filter((node) => !inPrefix.has(node)),
      ),
    ];
  }
  if (nodes.length <= LARGE_COMPONENT) {
    cutExtraParents(graph, nodes, true);
    return decompose(graph, nodes);
  }
  cutExtraParents(graph, nodes, false);
  return forestBlock(graph, nodes);
}

/**
 * The block `decompose` gives for a forest (every task has at most one parent here), built in one pass: a task,
 * then its only child, …, until a task with several children, which ends in a Parallel of their subtrees (ordered
 * by their first task), and several roots in a Parallel of their trees. Peeling and splitting the forest instead
 * revisits every subtree once per task with several children above it: quadratic on the deep trees a large tangled
 * component is cut into (a 10,000-task random DAG took 0.8 s here).
 */
function forestBlock(graph: Graph, nodes: number[]): NumBlock {
  const members = new Set(nodes);
  const childrenOf = (node: number) =>
    [...graph.children[node]!].filter((child) => members.has(child)).sort((a, b) => a - b);
  const tree = (root: number): NumBlock => {
    const block: NumBlock = [];
    for (let node: number | undefined = root; node !== undefined; ) {
      block.push(node);
      const children = childrenOf(node);
      if (children.length > 1) block.push(children.map(tree));
      node = children.length === 1 ? children[0] : undefined;
    }
    return block;
  };
  const roots = nodes.filter((node) => count(graph.parents[node]!, members) === 0);
  return roots.length === 1 ? tree(roots[0]!) : [roots.map(tree)];
}

/**
 * The smallest non-empty set A, closed under ancestors, such that every task outside A has all of A as ancestors;
 * then A runs, then the rest, with no false edge. Undefined when A would be everything. `nodes` are in
 * topological order. Ancestor sets are bitsets over positions in `nodes`: this runs again after every edge
 * `cutExtraParents` cuts, and with sets of numbers it was the largest cost of compiling big tangled DAGs.
 */
function seriesPrefix(graph: Graph, nodes: number[]): number[] | undefined {
  const size = nodes.length;
  const words = (size + 31) >>> 5;
  const position = new Map(nodes.map((node, i) => [node, i]));
  // Row i holds the ancestors of nodes[i] among `nodes`.
  const ancestors = new Uint32Array(size * words);
  nodes.forEach((node, i) => {
    const row = i * words;
    for (const parent of graph.parents[node]!) {
      const p = position.get(parent);
      if (p === undefined) continue;
      for (let w = 0, from = p * words; w < words; w++) ancestors[row + w]! |= ancestors[from + w]!;
      ancestors[row + (p >>> 5)]! |= 1 << (p & 31);
    }
  });
  const prefix = new Uint32Array(words);
  const has = (set: Uint32Array, i: number) => (set[i >>> 5]! & (1 << (i & 31))) !== 0;
  for (let i = 0; i < size; i++) {
    if (ancestors.subarray(i * words, (i + 1) * words).every((word) => word === 0)) prefix[i >>> 5]! |= 1 << (i & 31);
  }
  // Growing A only makes more tasks fail the test, so the order tasks are added in does not change the result.
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < size; i++) {
      if (has(prefix, i)) continue;
      const row = i * words;
      let holdsPrefix = true;
      for (let w = 0; w < words && holdsPrefix; w++) holdsPrefix = (prefix[w]! & ~ancestors[row + w]!) === 0;
      if (holdsPrefix) continue;
      for (let w = 0; w < words; w++) prefix[w]! |= ancestors[row + w]!;
      prefix[i >>> 5]! |= 1 << (i & 31);
      changed = true;
    }
  }
  const inPrefix = nodes.filter((_, i) => has(prefix, i)).sort((a, b) => a - b);
  return inPrefix.length < size ? inPrefix : undefined;
}

/**
 * Keeps one parent edge (the parent with the most ancestors, likely the last to end) for the last task with
 * several parents (`oneOnly`), or for every such task; the other edges become gates.
 */
function cutExtraParents(graph: Graph, nodes: number[], oneOnly: boolean): void {
  const members = new Set(nodes);
  const depth = new Map<number, number>();
  for (const node of nodes) {
    let best = 0;
    for (const parent of graph.parents[node]!) if (members.has(parent)) best = Math.max(best, depth.get(parent)! + 1);
    depth.set(node, best);
  }
  for (const node of [...nodes].reverse()) {
    const inside = [...graph.parents[node]!].filter((parent) => members.has(parent)).sort((a, b) => a - b);
    if (inside.length < 2) continue;
    const keep = inside.reduce((best, parent) => (depth.get(parent)! > depth.get(best)! ? parent : best));
    for (const parent of inside) {
      if (parent === keep) continue;
      graph.parents[node]!.delete(parent);
      graph.children[parent]!.delete(node);
      const cut = graph.cut.get(node) ?? [];
      cut.push(parent);
      graph.cut.set(node, cut);
    }
    if (oneOnly) return;
  }
}

function components(graph: Graph, nodes: number[]): number[][] {
  const members = new Set(nodes);
  const root = new Map<number, number>(nodes.map((node) => [node, node]));
  const find = (node: number): number => {
    let current = node;
    while (root.get(current) !== current) current = root.get(current)!;
    root.set(node, current);
    return current;
  };
  for (const node of nodes) {
    for (const parent of graph.parents[node]!) {
      if (!members.has(parent)) continue;
      const a = find(node);
      const b = find(parent);
      if (a !== b) root.set(Math.max(a, b), Math.min(a, b));
    }
  }
  const groups = new Map<number, number[]>();
  for (const node of nodes) {
    const key = find(node);
    const group = groups.get(key) ?? [];
    group.push(node);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function count(set: ReadonlySet<number>, members: ReadonlySet<number>): number {
  let n = 0;
  for (const item of set) if (members.has(item)) n++;
  return n;
}
