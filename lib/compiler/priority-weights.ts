import type { WeightRule } from '../sdk/weight-rule.ts';

/**
 * Each task's effective priority weight, as Airflow's `weight_rule` computes it: with `downstream` (the default)
 * its own `priorityWeight` plus the weights of every task downstream of it, with `upstream` plus those of every
 * task upstream of it, with `absolute` its own alone; a task reached by several paths counts once. With the
 * default, upstream tasks outrank the tasks they feed, so runs competing for a pool finish their early stages
 * before any run moves on. Computed once by the compiler and written into the manifest, so the local engine and
 * the cloud workers rank waiting tries by the same number.
 */
export function effectivePriorityWeights(
  tasks: ReadonlyArray<{
    readonly id: string;
    readonly upstream: readonly string[];
    readonly priorityWeight: number;
    readonly weightRule?: WeightRule;
  }>,
): ReadonlyMap<string, number> {
  const downstream = new Map<string, string[]>(tasks.map((task) => [task.id, []]));
  for (const task of tasks) {
    for (const up of task.upstream) downstream.get(up)?.push(task.id);
  }
  const upstream = new Map(tasks.map((task) => [task.id, task.upstream]));
  const own = new Map(tasks.map((task) => [task.id, task.priorityWeight]));
  const weights = new Map<string, number>();
  for (const task of tasks) {
    const rule = task.weightRule ?? 'downstream';
    const relatives =
      rule === 'absolute' ? new Set<string>() : reachable(task.id, rule === 'downstream' ? downstream : upstream);
    let weight = task.priorityWeight;
    for (const id of relatives) weight += own.get(id) ?? 0;
    weights.set(task.id, weight);
  }
  return weights;
}

/** The ids reachable from `start` along `edges`, `start` itself left out. */
function reachable(start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(start) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(edges.get(next) ?? []));
  }
  return seen;
}
