import { useState } from 'preact/hooks';
import type { UiRun, UiTask, UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
import { Markdown } from '../markdown.tsx';
import { StateBadge, scheduleText, when } from '../parts.tsx';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';
import { DagTabs } from './dag-tabs.tsx';

const GRID_RUNS = 25;

/**
 * Airflow's grid: the DAG's newest runs as columns (oldest left), its tasks as rows (upstream first, inside their
 * groups), each cell the task instance's state; a mapped task shows how many items it has. A cell opens the task
 * instance. Polled, so a running run's cells change colour as its tasks move on.
 */
export function GridView({ dagId }: { dagId: string }) {
  const { data, error } = usePolled(`grid:${dagId}`, () => api.grid(dagId, GRID_RUNS));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (group: string) => {
    const next = new Set(collapsed);
    if (!next.delete(group)) next.add(group);
    setCollapsed(next);
  };
  if (data === undefined) return <p class="loading">{error ?? `Loading ${dagId}…`}</p>;
  const { dag, runs, instances } = data;
  const index = indexRuns(runs, instances);
  return (
    <section>
      <h1>
        {dag.dagId} <span class="muted">{scheduleText(dag.schedule, dag.timezone)}</span>
      </h1>
      {dag.description !== undefined && <p class="description">{dag.description}</p>}
      {dag.doc !== undefined && (
        <details class="dag-doc">
          <summary>About this DAG</summary>
          <Markdown text={dag.doc} />
        </details>
      )}
      <DagTabs dagId={dag.dagId} chosen="grid" {...(runs.length > 0 ? { runId: runs[runs.length - 1]!.runId } : {})} />
      {dag.paused && <p class="paused">paused</p>}
      {runs.length === 0 && <p>No runs yet.</p>}
      <table class="grid">
        <thead>
          <tr>
            <th class="task-name">Task</th>
            {runs.map((run) => (
              <th key={run.runId} class="run-head">
                <span
                  class={`run-bar state-${run.state}`}
                  title={`${run.runId}\n${run.state}\nstarted ${when(run.startedAt)}`}
                />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {gridRows(dag.tasks, collapsed).map((row) =>
            row.kind === 'group' ? (
              <GroupRow
                key={`group:${row.group}`}
                group={row.group}
                depth={row.depth}
                collapsed={collapsed.has(row.group)}
                toggle={() => toggle(row.group)}
                runs={runs}
                states={index.states}
                taskIds={dag.tasks.filter((task) => task.groups.includes(row.group)).map((task) => task.id)}
              />
            ) : (
              <GridRow
                key={row.task.id}
                task={row.task}
                dagId={dag.dagId}
                runs={runs}
                states={index.states}
                items={index.items.get(row.task.id) ?? 0}
              />
            ),
          )}
        </tbody>
      </table>
      {runs.length > 0 && <RunLegend run={runs[runs.length - 1]!} />}
    </section>
  );
}

function GridRow(props: {
  task: UiTask;
  dagId: string;
  runs: readonly UiRun[];
  states: ReadonlyMap<string, ReadonlyMap<string, string>>;
  items: number;
}) {
  const { task, dagId, runs, states } = props;
  const group = task.groups[task.groups.length - 1];
  return (
    <tr data-task={task.id}>
      <th class="task-name" style={{ paddingLeft: `${0.5 + task.groups.length}em` }}>
        {group !== undefined ? task.id.slice(group.length + 1) : task.id}
        {task.mapped && (
          <span class="mapped" title="mapped task: items in the newest run">
            [{props.items}]
          </span>
        )}
      </th>
      {runs.map((run) => {
        const state = states.get(run.runId)?.get(task.id) ?? 'none';
        return (
          <td key={run.runId} class="cell">
            {/* biome-ignore lint/a11y/useAnchorContent: the aria-label names the cell (a text node per cell would double the grid's nodes) */}
            <a
              class={`square state-${state}`}
              data-state={state}
              aria-label={`${task.id} in ${run.runId}: ${state}`}
              href={href.task(dagId, run.runId, task.id)}
            />
          </td>
        );
      })}
    </tr>
  );
}

type GridLine = { kind: 'group'; group: string; depth: number } | { kind: 'task'; task: UiTask };

/**
 * The grid's rows in order: a group's row where its first task would be (then its tasks, unless it is collapsed),
 * every task indented under its innermost group.
 */
function gridRows(tasks: readonly UiTask[], collapsed: ReadonlySet<string>): GridLine[] {
  const lines: GridLine[] = [];
  const shown = new Set<string>();
  for (const task of tasks) {
    let hidden = false;
    task.groups.forEach((group, depth) => {
      if (hidden) return;
      if (!shown.has(group)) {
        shown.add(group);
        lines.push({ kind: 'group', group, depth });
      }
      if (collapsed.has(group)) hidden = true;
    });
    if (!hidden) lines.push({ kind: 'task', task });
  }
  return lines;
}

/** The states a group's cell takes from its tasks', the most urgent first (as Airflow sums a group up). */
const URGENCY = [
  'failed',
  'upstream_failed',
  'up_for_retry',
  'running',
  'queued',
  'interrupted',
  'scheduled',
  'success',
  'skipped',
  'removed',
];

function GroupRow(props: {
  group: string;
  depth: number;
  collapsed: boolean;
  toggle: () => void;
  runs: readonly UiRun[];
  states: ReadonlyMap<string, ReadonlyMap<string, string>>;
  taskIds: readonly string[];
}) {
  const name = props.group.split('.').at(-1);
  return (
    <tr class="group-row" data-group={props.group}>
      <th class="task-name" style={{ paddingLeft: `${0.5 + props.depth}em` }}>
        <button type="button" class="group-toggle" aria-expanded={!props.collapsed} onClick={props.toggle}>
          {props.collapsed ? '▸' : '▾'} {name}
        </button>
      </th>
      {props.runs.map((run) => {
        const byTask = props.states.get(run.runId);
        const present = props.taskIds.map((id) => byTask?.get(id) ?? 'none');
        const state = URGENCY.find((candidate) => present.includes(candidate)) ?? 'none';
        return (
          <td key={run.runId} class="cell">
            <span class={`square group-square state-${state}`} data-state={state} title={`${props.group}: ${state}`} />
          </td>
        );
      })}
    </tr>
  );
}

/** Each run's task states (the tasks' own records, not their mapped items), and each mapped task's item count in the newest run. */
function indexRuns(runs: readonly UiRun[], instances: Readonly<Record<string, readonly UiTaskInstance[]>>) {
  const states = new Map<string, Map<string, string>>();
  for (const run of runs) {
    const byTask = new Map<string, string>();
    for (const instance of instances[run.runId] ?? [])
      if (instance.mapIndex === -1) byTask.set(instance.taskId, instance.state);
    states.set(run.runId, byTask);
  }
  const items = new Map<string, number>();
  const newest = runs[runs.length - 1];
  for (const instance of newest !== undefined ? (instances[newest.runId] ?? []) : []) {
    if (instance.mapIndex >= 0) items.set(instance.taskId, (items.get(instance.taskId) ?? 0) + 1);
  }
  return { states, items };
}

function RunLegend({ run }: { run: UiRun }) {
  return (
    <p class="legend">
      Newest run: <code>{run.runId}</code> <StateBadge state={run.state} /> started {when(run.startedAt)}
      {run.endedAt !== undefined && <>, ended {when(run.endedAt)}</>}
      {run.note !== undefined && <span class="note"> — {run.note}</span>}
    </p>
  );
}
