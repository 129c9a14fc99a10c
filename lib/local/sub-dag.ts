import { Dag } from '../sdk/dag.ts';

/**
 * The DAG narrowed to the tasks whose ids match `pattern` (Airflow's `--task-regex`), keeping the edges among
 * them. A kept task's inputs from a dropped task arrive as null.
 */
export function subDag(dag: Dag, pattern: RegExp): Dag {
  const narrowed = new Dag({ ...dag.options });
  const graph = narrowed.declared;
  for (const [id, task] of dag.declared.tasks) {
    if (!pattern.test(id)) continue;
    graph.tasks.set(id, {
      ...task,
      inputs: Object.fromEntries(Object.entries(task.inputs).filter(([, up]) => pattern.test(up))),
    });
  }
  for (const [id, group] of dag.declared.groups) graph.groups.set(id, group);
  for (const edge of dag.declared.edges) {
    const keep = (node: { kind: string; id: string }) => node.kind === 'group' || graph.tasks.has(node.id);
    if (keep(edge.from) && keep(edge.to)) graph.edges.push(edge);
  }
  return narrowed;
}
