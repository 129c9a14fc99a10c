/**
 * Tasks in the order the grid lists them: every task after its upstream tasks, ties by id (Airflow's grid lists a
 * DAG's tasks upstream first too), so a pipeline reads top to bottom.
 */
export function upstreamFirst<T extends { readonly id: string; readonly upstream: readonly string[] }>(
  tasks: readonly T[],
): T[] {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const placed = new Set<string>();
  const ordered: T[] = [];
  const place = (task: T, path: Set<string>) => {
    if (placed.has(task.id) || path.has(task.id)) return;
    path.add(task.id);
    for (const upstream of [...task.upstream].sort()) {
      const found = byId.get(upstream);
      if (found !== undefined) place(found, path);
    }
    placed.add(task.id);
    ordered.push(task);
  };
  for (const task of [...tasks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) place(task, new Set());
  return ordered;
}
