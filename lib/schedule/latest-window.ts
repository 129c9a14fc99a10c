import { nextRuns } from './intervals.ts';
import type { RunInterval, ScheduleSpec } from './types.ts';

/**
 * When a scheduled (or backfill) run over `interval` is its DAG's latest, as Airflow's LatestOnlyOperator decides
 * it: from its data interval's start (exclusive) to the end of the schedule's next interval (inclusive), as UTC ISO
 * timestamps with milliseconds.
 * Undefined when every run is the latest in Airflow's eyes: no schedule, no next interval (`@once`), or a
 * point-in-time interval. The next interval is looked for past the DAG's end date, as Airflow does (its window
 * ignores `end_date` and `start_date`).
 */
export function latestWindow(
  spec: ScheduleSpec,
  interval: RunInterval,
): { readonly after: string; readonly until: string } | undefined {
  if (spec.expression === null) return undefined;
  const start = Date.parse(interval.dataIntervalStart);
  if (start === Date.parse(interval.dataIntervalEnd)) return undefined;
  // The next interval is the schedule's, whatever the DAG's start and end dates say (a backfill may run before the
  // start date); starting the schedule at this interval keeps a rate's grid, which counts from the start date.
  const { endDate: _notALimitHere, ...unbounded } = spec;
  const from = { ...unbounded, startDate: interval.dataIntervalStart };
  const [next] = nextRuns(from, new Date(interval.runAfter), 1);
  if (next === undefined) return undefined;
  // The shape of `$$.State.EnteredTime` (`2026-11-23T00:05:00.123Z`): the state machine compares them as strings.
  return { after: new Date(start).toISOString(), until: new Date(Date.parse(next.dataIntervalEnd)).toISOString() };
}
