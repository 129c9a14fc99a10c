import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { UiDag, UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';
import { DagTabs } from './dag-tabs.tsx';

const NODE_HEIGHT = 34;
const CHAR_WIDTH = 7.5;

/** A box dagre placed: its centre and size. */
interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A task's box, with its name and (when not all_success) its trigger rule. */
type TaskBox = Box & { readonly label: string; readonly rule?: string };

interface Placed {
  readonly nodes: ReadonlyArray<TaskBox & { readonly id: string }>;
  readonly groups: ReadonlyArray<Box & { readonly id: string }>;
  readonly edges: ReadonlyArray<{ from: string; to: string; points: ReadonlyArray<{ x: number; y: number }> }>;
  readonly width: number;
  readonly height: number;
}

/**
 * The DAG's tasks laid out left to right (dagre), groups drawn around their tasks, each task coloured by its state
 * in the chosen run (the newest by default); only tasks, never the state machine's helper states. A task opens its
 * instance in that run.
 */
export function GraphView(props: { dagId: string; runId?: string }) {
  const { data, error } = usePolled(`graph:${props.dagId}`, () => api.grid(props.dagId, 25));
  const placed = useMemo(() => (data !== undefined ? layout(data.dag) : undefined), [data?.dag]);
  if (data === undefined || placed === undefined) return <p class="loading">{error ?? 'Loading…'}</p>;
  const runs = [...data.runs].reverse();
  const run = runs.find((candidate) => candidate.runId === props.runId) ?? runs[0];
  const instances = run !== undefined ? (data.instances[run.runId] ?? []) : [];
  const stateOf = (taskId: string) =>
    instances.find((instance: UiTaskInstance) => instance.taskId === taskId && instance.mapIndex === -1)?.state ??
    'none';
  return (
    <section>
      <h1>{props.dagId}</h1>
      <DagTabs dagId={props.dagId} chosen="graph" {...(run !== undefined ? { runId: run.runId } : {})} />
      {runs.length > 0 && (
        <label class="run-choice">
          Run{' '}
          <select
            value={run?.runId}
            onChange={(event) => {
              location.hash = href.graph(props.dagId, (event.target as HTMLSelectElement).value);
            }}
          >
            {runs.map((candidate) => (
              <option key={candidate.runId} value={candidate.runId}>
                {candidate.runId} ({candidate.state})
              </option>
            ))}
          </select>
        </label>
      )}
      <svg class="graph" width={placed.width} height={placed.height} role="img" aria-label={`graph of ${props.dagId}`}>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {placed.groups.map((group) => (
          <g key={group.id} class="graph-group">
            <rect
              x={group.x - group.width / 2}
              y={group.y - group.height / 2}
              width={group.width}
              height={group.height}
              rx="6"
            />
            <text x={group.x - group.width / 2 + 8} y={group.y - group.height / 2 + 14}>
              {group.id}
            </text>
          </g>
        ))}
        {placed.edges.map((edge) => (
          <path
            key={`${edge.from}>${edge.to}`}
            class="graph-edge"
            marker-end="url(#arrow)"
            d={edge.points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ')}
          />
        ))}
        {placed.nodes.map((node) => {
          const state = stateOf(node.id);
          const box = (
            <g class="graph-node" data-task={node.id} data-state={state}>
              <rect
                class={`state-${state}`}
                x={node.x - node.width / 2}
                y={node.y - node.height / 2}
                width={node.width}
                height={node.height}
                rx="4"
              />
              <text x={node.x} y={node.y + (node.rule !== undefined ? -2 : 4)} text-anchor="middle">
                {node.label}
              </text>
              {node.rule !== undefined && (
                <text class="rule" x={node.x} y={node.y + 11} text-anchor="middle">
                  {node.rule}
                </text>
              )}
              <title>{`${node.id}: ${state}`}</title>
            </g>
          );
          return run !== undefined ? (
            <a key={node.id} href={href.task(props.dagId, run.runId, node.id)}>
              {box}
            </a>
          ) : (
            <g key={node.id}>{box}</g>
          );
        })}
      </svg>
    </section>
  );
}

/** Positions for the DAG's tasks, edges and groups (dagre, left to right; groups as clusters). */
function layout(dag: UiDag): Placed {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const group of dag.groups) graph.setNode(`group:${group}`, { label: group, paddingTop: 20 });
  for (const task of dag.tasks) {
    const label = task.groups.length > 0 ? task.id.slice(task.groups[task.groups.length - 1]!.length + 1) : task.id;
    const rule = task.triggerRule !== 'all_success' ? task.triggerRule : undefined;
    const width = Math.max(label.length, (rule ?? '').length * 0.85) * CHAR_WIDTH + 28;
    graph.setNode(task.id, { label, width, height: NODE_HEIGHT, rule });
    const inner = task.groups[task.groups.length - 1];
    if (inner !== undefined) graph.setParent(task.id, `group:${inner}`);
    task.groups.forEach((group, index) => {
      if (index > 0) graph.setParent(`group:${group}`, `group:${task.groups[index - 1]}`);
    });
  }
  for (const task of dag.tasks) for (const upstream of task.upstream) graph.setEdge(upstream, task.id);
  dagre.layout(graph);
  const size = graph.graph();
  return {
    nodes: dag.tasks.map((task) => {
      const node = graph.node(task.id) as TaskBox;
      return { id: task.id, ...node };
    }),
    groups: dag.groups.map((group) => {
      const node = graph.node(`group:${group}`) as Box;
      return { id: group, x: node.x, y: node.y, width: node.width, height: node.height };
    }),
    edges: graph.edges().map((edge) => ({
      from: edge.v,
      to: edge.w,
      points: (graph.edge(edge) as { points: Array<{ x: number; y: number }> }).points,
    })),
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
  };
}
