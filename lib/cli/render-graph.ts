import type { DagIR, TaskIR } from '../compiler/ir.ts';

/**
 * A DAG as a tree for a terminal: each task under each of its upstream tasks, drawn in full the first time and
 * as `id …` after that, so every edge is visible and no subtree is repeated.
 */
export function renderText(ir: DagIR): string {
  const byId = new Map(ir.tasks.map((task) => [task.id, task]));
  const downstream = new Map<string, string[]>(ir.tasks.map((task) => [task.id, []]));
  for (const task of ir.tasks) for (const up of task.upstream) downstream.get(up)!.push(task.id);
  const lines = [
    `${ir.dagId}${ir.schedule.expression !== null ? `  (${ir.schedule.expression}, ${ir.schedule.timezone})` : '  (manual)'}`,
  ];
  const about = firstLine(ir.doc ?? ir.description);
  if (about !== undefined) lines.push(`  ${about}`);
  const drawn = new Set<string>();
  const label = (task: TaskIR) => {
    const kind =
      task.kind !== 'code'
        ? task.kind
        : task.mapping !== undefined
          ? 'mapped'
          : task.role !== 'task'
            ? task.role
            : 'code';
    // A teardown's rule is Airflow's all_done_setup_success (compiled as all_done decided on its setups).
    const rule =
      task.teardown !== undefined
        ? ` [teardown${task.teardown.setups.length > 0 ? ` of ${task.teardown.setups.join(', ')}` : ''}]`
        : task.setup === true
          ? ' [setup]'
          : task.triggerRule !== 'all_success'
            ? ` [${task.triggerRule}]`
            : '';
    const extra = task.upstream.length > 1 ? ` ↑ after ${task.upstream.join(', ')}` : '';
    const doc = firstLine(task.doc);
    return `${task.id} (${kind})${rule}${extra}${doc !== undefined ? `  — ${doc}` : ''}`;
  };
  const draw = (id: string, indent: string, last: boolean, root: boolean) => {
    const task = byId.get(id)!;
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    // A task with several upstream tasks is drawn in full once; elsewhere it is a reference.
    if (drawn.has(id)) {
      lines.push(`${indent}${branch}${id} …`);
      return;
    }
    drawn.add(id);
    lines.push(`${indent}${branch}${label(task)}`);
    const children = downstream.get(id)!;
    const next = root ? indent : `${indent}${last ? '   ' : '│  '}`;
    children.forEach((child, index) => {
      draw(child, next, index === children.length - 1, false);
    });
  };
  for (const task of ir.tasks.filter((t) => t.upstream.length === 0)) draw(task.id, '', true, true);
  return `${lines.join('\n')}\n`;
}

/** The first non-empty line of a Markdown doc, without heading marks: what fits beside a task in a tree. */
function firstLine(doc: string | undefined): string | undefined {
  const line = doc
    ?.split('\n')
    .map((text) => text.replace(/^#+\s*/, '').trim())
    .find((text) => text !== '');
  return line === undefined ? undefined : line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** Mermaid `flowchart`, with task groups as subgraphs. */
export function renderMermaid(ir: DagIR): string {
  const node = (task: TaskIR) => `  ${mermaidId(task.key)}["${task.id}"]`;
  const lines = ['flowchart LR'];
  const ungrouped = ir.tasks.filter((task) => task.groups.length === 0);
  const emitGroup = (groupId: string, indent: string) => {
    lines.push(`${indent}subgraph ${mermaidId(groupId)}["${groupId}"]`);
    for (const child of ir.groups.filter((group) => group.parent === groupId)) emitGroup(child.id, `${indent}  `);
    for (const task of ir.tasks.filter((t) => t.groups.at(-1) === groupId)) lines.push(`${indent}${node(task)}`);
    lines.push(`${indent}end`);
  };
  for (const group of ir.groups.filter((g) => g.parent === undefined)) emitGroup(group.id, '  ');
  for (const task of ungrouped) lines.push(node(task));
  for (const task of ir.tasks) {
    for (const up of task.upstream) {
      const from = ir.tasks.find((t) => t.id === up)!;
      lines.push(`  ${mermaidId(from.key)} --> ${mermaidId(task.key)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT, with task groups as clusters. */
export function renderDot(ir: DagIR): string {
  const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  // Docs become tooltips (SVG output shows them on hover).
  const tooltip = (doc: string | undefined) => (doc !== undefined ? ` [tooltip=${quote(doc)}]` : '');
  const lines = [`digraph ${quote(ir.dagId)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  const emitGroup = (groupId: string, indent: string) => {
    lines.push(`${indent}subgraph ${quote(`cluster_${groupId}`)} {`, `${indent}  label=${quote(groupId)};`);
    const doc = ir.groups.find((group) => group.id === groupId)?.doc;
    if (doc !== undefined) lines.push(`${indent}  tooltip=${quote(doc)};`);
    for (const child of ir.groups.filter((group) => group.parent === groupId)) emitGroup(child.id, `${indent}  `);
    for (const task of ir.tasks.filter((t) => t.groups.at(-1) === groupId)) {
      lines.push(`${indent}  ${quote(task.id)}${tooltip(task.doc)};`);
    }
    lines.push(`${indent}}`);
  };
  for (const group of ir.groups.filter((g) => g.parent === undefined)) emitGroup(group.id, '  ');
  for (const task of ir.tasks.filter((t) => t.groups.length === 0))
    lines.push(`  ${quote(task.id)}${tooltip(task.doc)};`);
  for (const task of ir.tasks) for (const up of task.upstream) lines.push(`  ${quote(up)} -> ${quote(task.id)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function mermaidId(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}
