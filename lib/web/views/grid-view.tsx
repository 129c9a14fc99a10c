import { useCallback, useState } from 'preact/hooks';
import type { UiRun, UiTask, UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
import { CellStrip } from '../cell-strip.tsx';
import { Markdown } from '../markdown.tsx';
import { memo } from '../memo.ts';
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
  // One function for the grid's life, so a poll does not make every group's row render again.
  const toggle = useCallback(
    (group: string) =>
      setCollapsed((before) => {
        const next = new Set(before);
        if (!next.delete(group)) next.add(group);
        return next;
      }),
    [],
  );
  if (data === undefined) return <p class="loading">{error ?? `Loading ${dagId}…`}</p>;
  const { dag, runs, instances } = data;
  const index = indexRuns(runs, instances);
  const runIds = runs.map((run) => run.runId);
  const stateRow = (taskIds: readonly string[]) => index.states.map((byTask) => mostUrgent(byTask, taskIds));
  return (
    <section>
      <h1>
        {dag.dagId} <span class="muted">{scheduleText(dag.schedule, dag.timezone, dag.assets)}</span>
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
      {/* The cells of a row are one strip of fixed size (see app.css): the table lays out two columns, not 100. */}
      <table class="grid" style={`--runs: ${runs.length}`}>
        <thead>
          <tr>
            <th class="task-name">Task</th>
            <th class="runs">
              <div class="strip">
                {runs.map((run) => (
                  <span
                    key={run.runId}
                    class={`run-head state-${run.state}`}
                    title={`${run.runId}\n${run.state}\nstarted ${when(run.startedAt)}`}
                  />
                ))}
              </div>
            </th>
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
                toggle={toggle}
                runIds={runIds}
                states={stateRow(dag.tasks.filter((task) => task.groups.includes(row.group)).map((task) => task.id))}
              />
            ) : (
              <TaskRow
                key={row.task.id}
                dagId={dag.dagId}
                taskId={row.task.id}
                group={row.task.groups.at(-1)}
                depth={row.task.groups.length}
                mapped={row.task.mapped}
                items={index.items.get(row.task.id) ?? 0}
                runIds={runIds}
                states={index.states.map((byTask) => byTask.get(row.task.id) ?? 'none')}
              />
            ),
          )}
        </tbody>
      </table>
      {runs.length > 0 && <RunLegend run={runs[runs.length - 1]!} />}
    </section>
  );
}

/**
 * A task's row: its name, then one link per run (oldest first), coloured by its state. Only plain values as props,
 * so a poll that changed none of them leaves the row alone.
 */
const TaskRow = memo(
  (props: {
    dagId: string;
    taskId: string;
    group: string | undefined;
    depth: number;
    mapped: boolean;
    items: number;
    runIds: readonly string[];
    states: readonly string[];
  }) => {
    const { dagId, taskId } = props;
    return (
      <tr data-task={taskId}>
        <th class="task-name" style={`padding-left: ${0.5 + props.depth}em`}>
          {props.group !== undefined ? taskId.slice(props.group.length + 1) : taskId}
          {props.mapped && (
            <span class="mapped" title="mapped task: items in the newest run">
              [{props.items}]
            </span>
          )}
        </th>
        <td class="cells">
          <CellStrip
            keys={props.runIds}
            states={props.states}
            name={(runId, state) => `${taskId} in ${runId}: ${state}`}
            link={(runId) => href.task(dagId, runId, taskId)}
          />
        </td>
      </tr>
    );
  },
);

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

/** The state a group's cell takes from its tasks' in one run: the most urgent of them, or `none`. */
function mostUrgent(byTask: ReadonlyMap<string, string>, taskIds: readonly string[]): string {
  let best = URGENCY.length;
  for (const id of taskIds) {
    const rank = URGENCY.indexOf(byTask.get(id) ?? 'none');
    if (rank >= 0 && rank < best) best = rank;
  }
  return URGENCY[best] ?? 'none';
}

/** A group's row: a button that folds it, then its most urgent state in each run. */
const GroupRow = memo(
  (props: {
    group: string;
    depth: number;
    collapsed: boolean;
    toggle: (group: string) => void;
    runIds: readonly string[];
    states: readonly string[];
  }) => {
    const name = props.group.split('.').at(-1);
    return (
      <tr class="group-row" data-group={props.group}>
        <th class="task-name" style={`padding-left: ${0.5 + props.depth}em`}>
          <button
            type="button"
            class="group-toggle"
            aria-expanded={!props.collapsed}
            onClick={() => props.toggle(props.group)}
          >
            {props.collapsed ? '▸' : '▾'} {name}
          </button>
        </th>
        <td class="cells">
          <CellStrip keys={props.runIds} states={props.states} name={(_, state) => `${props.group}: ${state}`} />
        </td>{' '}
      </tr>
    );
  },
);

/** Each run's task states, in the runs' order (the tasks' own records, not their mapped items), and each mapped task's item count in the newest run. */
function indexRuns(runs: readonly UiRun[], instances: Readonly<Record<string, readonly UiTaskInstance[]>>) {
  const states = runs.map((run) => {
    const byTask = new Map<string, string>();
    for (const instance of instances[run.runId] ?? [])
      if (instance.mapIndex === -1) byTask.set(instance.taskId, instance.state);
    return byTask;
  });
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
