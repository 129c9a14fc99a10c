import type { UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
import { duration, StateBadge, when } from '../parts.tsx';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';
import { DagTabs } from './dag-tabs.tsx';

/**
 * A run's Gantt chart: one row per task instance (a mapped task's items too), the time it waited for a slot
 * (queued) and the time it ran, on one time axis from the run's start. A running instance grows until it ends.
 */
export function GanttView(props: { dagId: string; runId: string }) {
  const { data, error } = usePolled(`run:${props.dagId}:${props.runId}`, () => api.run(props.dagId, props.runId));
  if (data === undefined) return <p class="loading">{error ?? 'Loading…'}</p>;
  const now = Date.now();
  const rows = data.instances
    .filter((instance) => instance.startedAt !== undefined || instance.queuedAt !== undefined)
    .map((instance) => bars(instance, now))
    .sort((a, b) => a.from - b.from);
  const start = Math.min(new Date(data.run.startedAt ?? now).getTime(), ...rows.map((row) => row.from));
  const end = Math.max(
    data.run.endedAt !== undefined ? new Date(data.run.endedAt).getTime() : now,
    ...rows.map((row) => row.to),
  );
  const span = Math.max(end - start, 1);
  const percent = (at: number) => `${(((at - start) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `${Math.max(((to - from) / span) * 100, 0.2).toFixed(3)}%`;
  return (
    <section>
      <h1>{props.dagId}</h1>
      <DagTabs dagId={props.dagId} chosen="gantt" runId={props.runId} />
      <p class="legend">
        <code>{props.runId}</code> <StateBadge state={data.run.state} /> started {when(data.run.startedAt)},{' '}
        {duration(end - start)} shown
      </p>
      {rows.length === 0 ? (
        <p>No task has started in this run yet.</p>
      ) : (
        <ul class="gantt">
          {rows.map((row) => (
            <li key={row.key} class="gantt-row" data-task={row.key}>
              <a class="gantt-name" href={href.task(props.dagId, props.runId, row.taskId, row.mapIndex)}>
                {row.key}
              </a>
              <div class="gantt-track">
                {row.queued !== undefined && (
                  <span
                    class="gantt-bar queued"
                    title={`queued ${duration(row.queued.to - row.queued.from)}`}
                    style={{ left: percent(row.queued.from), width: width(row.queued.from, row.queued.to) }}
                  />
                )}
                {row.ran !== undefined && (
                  <span
                    class={`gantt-bar state-${row.state}`}
                    title={`${row.state} ${duration(row.ran.to - row.ran.from)}`}
                    style={{ left: percent(row.ran.from), width: width(row.ran.from, row.ran.to) }}
                  />
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function bars(instance: UiTaskInstance, now: number) {
  const key = instance.mapIndex >= 0 ? `${instance.taskId}[${instance.mapIndex}]` : instance.taskId;
  const queuedAt = instance.queuedAt !== undefined ? new Date(instance.queuedAt).getTime() : undefined;
  const startedAt = instance.startedAt !== undefined ? new Date(instance.startedAt).getTime() : undefined;
  const endedAt =
    startedAt === undefined ? undefined : instance.durationMs !== undefined ? startedAt + instance.durationMs : now;
  return {
    key,
    taskId: instance.taskId,
    mapIndex: instance.mapIndex,
    state: instance.state,
    from: queuedAt ?? startedAt ?? now,
    to: endedAt ?? now,
    queued: queuedAt !== undefined ? { from: queuedAt, to: startedAt ?? now } : undefined,
    ran: startedAt !== undefined ? { from: startedAt, to: endedAt! } : undefined,
  };
}
