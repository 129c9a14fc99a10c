import { CycleError } from '../sdk/errors.ts';
import type { WeightRule } from '../sdk/weight-rule.ts';
import { findCycle } from './check-graph.ts';
import { reachableWeightSums } from './reachable-weight-sums.ts';

/**
 * Each task's effective priority weight, as Airflow's `weight_rule` computes it: with `downstream` (the default)
 * its own `priorityWeight` plus the weights of every task downstream of it, with `upstream` plus those of every
 * task upstream of it, with `absolute` its own alone; a task reached by several paths counts once. With the
 * default, upstream tasks outrank the tasks they feed, so runs competing for a pool finish their early stages
 * before any run moves on. Computed once by the compiler and written into the manifest, so the local engine and
 * the cloud workers rank waiting tries by the same number.
 *
 * Upstream ids naming no task are left out (`checkGraph` refuses them first); a cycle throws a `CycleError`.
 */
export function effectivePriorityWeights(
  tasks: ReadonlyArray<{
    readonly id: string;
    readonly upstream: readonly string[];
    readonly priorityWeight: number;
    readonly weightRule?: WeightRule;
  }>,
): ReadonlyMap<string, number> {
  const index = new Map(tasks.map((task, i) => [task.id, i]));
  const parents = tasks.map((task) => [
    ...new Set(task.upstream.flatMap((up) => (index.has(up) ? [index.get(up)!] : []))),
  ]);
  const children: number[][] = tasks.map(() => []);
  parents.forEach((ups, child) => {
    for (const parent of ups) children[parent]!.push(child);
  });
  const order = topologicalIndexes(tasks, parents, children);
  const own = tasks.map((task) => task.priorityWeight);
  const rules = tasks.map((task) => task.weightRule ?? 'downstream');
  // Children before parents for the downstream sums, parents before children for the upstream ones.
  const downstreamSums = rules.includes('downstream')
    ? reachableWeightSums([...order].reverse(), children, parents, own)
    : undefined;
  const upstreamSums = rules.includes('upstream') ? reachableWeightSums(order, parents, children, own) : undefined;
  const weights = new Map<string, number>();
  tasks.forEach((task, i) => {
    const rule = rules[i];
    const relatives = rule === 'downstream' ? downstreamSums![i]! : rule === 'upstream' ? upstreamSums![i]! : 0;
    weights.set(task.id, task.priorityWeight + relatives);
  });
  return weights;
}

/** Kahn's algorithm over task indexes. */
function topologicalIndexes(
  tasks: ReadonlyArray<{ readonly id: string; readonly upstream: readonly string[] }>,
  parents: readonly number[][],
  children: readonly number[][],
): number[] {
  const indegree = parents.map((ups) => ups.length);
  const order = indegree.flatMap((degree, i) => (degree === 0 ? [i] : []));
  for (let head = 0; head < order.length; head++) {
    for (const child of children[order[head]!]!) if (--indegree[child]! === 0) order.push(child);
  }
  if (order.length < tasks.length) {
    const left = tasks.filter((_, i) => indegree[i]! > 0);
    const ids = left.map((task) => task.id);
    throw new CycleError(findCycle(ids, new Map(left.map((task) => [task.id, task.upstream]))) ?? ids);
  }
  return order;
}
