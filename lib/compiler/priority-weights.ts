/**
 * A task's effective priority weight, as Airflow's default `weight_rule` (`downstream`) computes it: its own
 * `priorityWeight` plus the weights of every task downstream of it (each counted once, however many paths lead to
 * it). Upstream tasks therefore outrank the tasks they feed, so runs that compete for a pool finish their early
 * stages before any run moves on. Computed once by the compiler and written into the manifest, so the local engine
 * and the cloud workers rank waiting tries by the same number.
 */
export function effectivePriorityWeights(
  tasks: ReadonlyArray<{ readonly id: string; readonly upstream: readonly string[]; readonly priorityWeight: number }>,
): ReadonlyMap<string, number> {
  const downstream = new Map<string, string[]>(tasks.map((task) => [task.id, []]));
  for (const task of tasks) {
    for (const up of task.upstream) downstream.get(up)?.push(task.id);
  }
  const own = new Map(tasks.map((task) => [task.id, task.priorityWeight]));
  const weights = new Map<string, number>();
  for (const task of tasks) {
    const seen = new Set<string>();
    const stack = [...(downstream.get(task.id) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(downstream.get(next) ?? []));
    }
    let weight = task.priorityWeight;
    for (const id of seen) weight += own.get(id) ?? 0;
    weights.set(task.id, weight);
  }
  return weights;
}
