import type { RunContext } from '../compiler/worker-contract.ts';
import {
  latestWindow,
  manualRunInterval,
  type RunInterval,
  runContextDates,
  runId,
  type ScheduleSpec,
} from '../schedule/index.ts';
import type { RunType } from '../sdk/context.ts';

/**
 * The context of a run over a data interval: scheduled and backfill runs take the interval the schedule gives;
 * the run id says how the run started and names its logical date. Given the DAG's schedule, a scheduled or backfill
 * run also carries the window in which it is the DAG's latest run (read by `latestOnly` tasks).
 */
export function intervalRunContext(input: {
  readonly dagId: string;
  readonly timezone: string;
  readonly interval: RunInterval;
  readonly runType: RunType;
  readonly params: Record<string, unknown>;
  readonly conf: Record<string, unknown>;
  readonly schedule?: ScheduleSpec;
}): RunContext {
  const dates = runContextDates(input.interval, input.timezone);
  const window =
    input.schedule !== undefined && (input.runType === 'scheduled' || input.runType === 'backfill')
      ? latestWindow(input.schedule, input.interval)
      : undefined;
  return {
    dagId: input.dagId,
    runId: runId(input.runType, dates.logicalDate),
    runType: input.runType,
    logicalDate: dates.logicalDate,
    ds: dates.ds,
    dsNodash: dates.dsNodash,
    ts: dates.ts,
    dataIntervalStart: dates.dataIntervalStart,
    dataIntervalEnd: dates.dataIntervalEnd,
    params: input.params,
    conf: input.conf,
    ...(window !== undefined ? { latestWindow: window } : {}),
  };
}

/**
 * The context of a run that is triggered by hand (or given a date): its logical date is the trigger time (or
 * the date asked for), so `ds` is never missing, and its run id says how it started.
 */
export function manualRunContext(input: {
  readonly dagId: string;
  readonly timezone: string;
  readonly at: Date;
  readonly params: Record<string, unknown>;
  readonly conf: Record<string, unknown>;
  readonly runType?: RunType;
}): RunContext {
  return intervalRunContext({
    dagId: input.dagId,
    timezone: input.timezone,
    interval: manualRunInterval(input.at, input.timezone),
    runType: input.runType ?? 'manual',
    params: input.params,
    conf: input.conf,
  });
}

/**
 * The context of an asset-triggered run (its DAG's asset condition was met at `at`). Airflow 3 gives such a run no
 * logical date; Airstep promises `ds`, so the trigger time is its logical date and its data interval is
 * [at, at], as a manual run's. The events it consumed are `triggeringAssetEvents` (asset URI -> events).
 */
export function assetRunContext(input: {
  readonly dagId: string;
  readonly timezone: string;
  readonly at: Date;
  readonly params: Record<string, unknown>;
  readonly triggeringAssetEvents: NonNullable<RunContext['triggeringAssetEvents']>;
}): RunContext {
  const triggering = Object.fromEntries(
    Object.entries(input.triggeringAssetEvents).map(([uri, events]) => [
      uri,
      events.map(({ uri: eventUri, timestamp, sourceDagId, sourceTaskId, sourceRunId, watcher, extra }) => ({
        uri: eventUri,
        timestamp,
        // An event from a watcher has no producing task; one from a task has no watcher.
        ...(sourceDagId !== undefined ? { sourceDagId } : {}),
        ...(sourceTaskId !== undefined ? { sourceTaskId } : {}),
        ...(sourceRunId !== undefined ? { sourceRunId } : {}),
        ...(watcher !== undefined ? { watcher } : {}),
        extra,
      })),
    ]),
  );
  return {
    ...manualRunContext({ ...input, conf: {}, runType: 'asset_triggered' }),
    triggeringAssetEvents: triggering,
  };
}
