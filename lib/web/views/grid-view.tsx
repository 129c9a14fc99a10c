import type { UiRun, UiTask, UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
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
  if (data === undefined) return <p class="loading">{error ?? `Loading ${dagId}…`}</p>;
  const { dag, runs, instances } = data;
  const index = indexRuns(runs, instances);
  return (
    <section>
      <h1>
        {dag.dagId} <span class="muted">{scheduleText(dag.schedule, dag.timezone)}</span>
      </h1>
      {dag.description !== undefined && <p class="description">{dag.description}</p>}
      <DagTabs dagId={dag.dagId} chosen="grid" {...(runs.length > 0 ? { runId: runs[runs.length - 1]!.runId } : {})} />
      {dag.paused && <p class="paused">paused</p>}
      {runs.length === 0 ? (
        <p>No runs yet.</p>
      ) : (
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
            {dag.tasks.map((task) => (
              <GridRow
                key={task.id}
                task={task}
                dagId={dag.dagId}
                runs={runs}
                states={index.states}
                items={index.items.get(task.id) ?? 0}
              />
            ))}
          </tbody>
        </table>
      )}
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
        {group !== undefined && <span class="group">{group} › </span>}
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
            <a
              class={`square state-${state}`}
              data-state={state}
              aria-label={`${task.id} in ${run.runId}: ${state}`}
              href={href.task(dagId, run.runId, task.id)}
            >
              <span class="sr">{state}</span>
            </a>
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
