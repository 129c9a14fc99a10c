import type { UiTaskInstance } from '../api.ts';
import { api } from '../api-client.ts';
import { duration, StateBadge, when } from '../parts.tsx';
import { href } from '../route.ts';
import { usePolled } from '../use-polled.ts';
import { DagTabs } from './dag-tabs.tsx';

/**
 * A run's Gantt chart: one row per task instance (a mapped task's items too) with a bar per try, each the time it
 * waited for a slot (queued) and the time it ran, on one time axis from the run's start. A retry's bars are marked
 * as such, so a try that failed and the try after it read apart. A running try grows until it ends. Where the
 * store keeps no times per try (the cloud, older local runs), the instance's times make one bar.
 */
export function GanttView(props: { dagId: string; runId: string }) {
  const { data, error } = usePolled(`run:${props.dagId}:${props.runId}`, () => api.run(props.dagId, props.runId));
  if (data === undefined) return <p class="loading">{error ?? 'Loading…'}</p>;
  const now = Date.now();
  const rows = data.instances
    .map((instance) => row(instance, now))
    .filter((found) => found.tries.length > 0)
    .sort((a, b) => a.from - b.from);
  const start = Math.min(new Date(data.run.startedAt ?? now).getTime(), ...rows.map((found) => found.from));
  const end = Math.max(
    data.run.endedAt !== undefined ? new Date(data.run.endedAt).getTime() : now,
    ...rows.map((found) => found.to),
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
          {rows.map((found) => (
            <li key={found.key} class="gantt-row" data-task={found.key}>
              <a class="gantt-name" href={href.task(props.dagId, props.runId, found.taskId, found.mapIndex)}>
                {found.key}
              </a>
              <div class="gantt-track">
                {found.tries.map((bar) => {
                  const label = bar.try !== undefined ? `try ${bar.try}: ` : '';
                  const retry = bar.try !== undefined && bar.try > 1 ? ' retry' : '';
                  return [
                    bar.queued !== undefined && (
                      <span
                        key={`q${bar.try ?? 0}`}
                        class={`gantt-bar queued${retry}`}
                        data-try={bar.try}
                        title={`${label}queued ${duration(bar.queued.to - bar.queued.from)}`}
                        style={{ left: percent(bar.queued.from), width: width(bar.queued.from, bar.queued.to) }}
                      />
                    ),
                    bar.ran !== undefined && (
                      <span
                        key={`r${bar.try ?? 0}`}
                        class={`gantt-bar state-${bar.state}${retry}`}
                        data-try={bar.try}
                        title={`${label}${bar.state} ${duration(bar.ran.to - bar.ran.from)}${bar.error !== undefined ? ` — ${bar.error}` : ''}`}
                        style={{ left: percent(bar.ran.from), width: width(bar.ran.from, bar.ran.to) }}
                      />
                    ),
                  ];
                })}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface Span {
  readonly from: number;
  readonly to: number;
}

/** One try's bars (or, without times per try, the instance's): its wait for a slot and its run. */
interface TryBars {
  /** Undefined for an instance drawn whole. */
  readonly try?: number;
  readonly state: string;
  readonly error?: string;
  readonly queued?: Span;
  readonly ran?: Span;
}

const time = (iso: string | undefined) => (iso !== undefined ? new Date(iso).getTime() : undefined);

function row(instance: UiTaskInstance, now: number) {
  const key = instance.mapIndex >= 0 ? `${instance.taskId}[${instance.mapIndex}]` : instance.taskId;
  const tries = (instance.tryTimes ?? []).length > 0 ? perTry(instance, now) : whole(instance, now);
  const ends = tries.flatMap((bar) => [bar.queued, bar.ran]).filter((span) => span !== undefined);
  return {
    key,
    taskId: instance.taskId,
    mapIndex: instance.mapIndex,
    tries,
    from: Math.min(...ends.map((span) => span.from)),
    to: Math.max(...ends.map((span) => span.to)),
  };
}

/** A try not ended yet runs (or waits) until now; one that ended without running (stopped in the queue) has no run. */
function perTry(instance: UiTaskInstance, now: number): TryBars[] {
  return (instance.tryTimes ?? []).flatMap((entry) => {
    const queuedAt = time(entry.queuedAt);
    const startedAt = time(entry.startedAt);
    const endedAt = time(entry.endedAt);
    if (queuedAt === undefined && startedAt === undefined) return [];
    return [
      {
        try: entry.try,
        state: entry.state,
        ...(entry.errorMessage !== undefined ? { error: entry.errorMessage } : {}),
        ...(queuedAt !== undefined ? { queued: { from: queuedAt, to: startedAt ?? endedAt ?? now } } : {}),
        ...(startedAt !== undefined ? { ran: { from: startedAt, to: endedAt ?? now } } : {}),
      },
    ];
  });
}

function whole(instance: UiTaskInstance, now: number): TryBars[] {
  const queuedAt = time(instance.queuedAt);
  const startedAt = time(instance.startedAt);
  if (queuedAt === undefined && startedAt === undefined) return [];
  const endedAt =
    startedAt === undefined ? undefined : instance.durationMs !== undefined ? startedAt + instance.durationMs : now;
  return [
    {
      state: instance.state,
      ...(queuedAt !== undefined ? { queued: { from: queuedAt, to: startedAt ?? now } } : {}),
      ...(startedAt !== undefined ? { ran: { from: startedAt, to: endedAt! } } : {}),
    },
  ];
}
