import { nextRuns } from './intervals.ts';
import type { LatestWindow, RunInterval, ScheduleSpec } from './types.ts';

/**
 * When a scheduled (or backfill) run over `interval` is its DAG's latest, as Airflow's LatestOnlyOperator decides
 * it: from its data interval's start (exclusive) to the end of the schedule's next interval (inclusive).
 * Undefined when every run is the latest in Airflow's eyes: no schedule, no next interval (`@once`), or a
 * point-in-time interval. The next interval is looked for past the DAG's end date, as Airflow does (its window
 * ignores `end_date` and `start_date`).
 */
export function latestWindow(spec: ScheduleSpec, interval: RunInterval): LatestWindow | undefined {
  if (spec.expression === null) return undefined;
  const start = Date.parse(interval.dataIntervalStart);
  if (start === Date.parse(interval.dataIntervalEnd)) return undefined;
  // The next interval is the schedule's, whatever the DAG's start and end dates say (a backfill may run before the
  // start date); starting the schedule at this interval keeps a rate's grid, which counts from the start date.
  const { endDate: _notALimitHere, ...unbounded } = spec;
  const from = { ...unbounded, startDate: interval.dataIntervalStart };
  const [next] = nextRuns(from, new Date(interval.runAfter), 1);
  if (next === undefined) return undefined;
  const end = Date.parse(next.dataIntervalEnd);
  return {
    after: new Date(start).toISOString(),
    until: new Date(end).toISOString(),
    afterKey: secondKey(start),
    untilKey: secondKey(end),
  };
}

/**
 * An instant as the number `1YYYYMMDDhhmmss` (UTC, whole seconds). The state machine turns `$$.State.EnteredTime`
 * into the same number with intrinsics (split on `-T:.Z+`, `States.Format('1{}{}{}{}{}{}', …)`,
 * `States.StringToJson`; the leading 1 keeps the digits a JSON number), because every engine Airstep runs on
 * compares numbers, where ordering comparisons of strings or timestamps against a path are missing on some
 * (MiniStack 1.5.33 has none, moto 5.2.5 reads no fractional seconds). See lib/compiler/latest-only.ts.
 */
export function secondKey(instant: number): number {
  return Number(`1${new Date(instant).toISOString().slice(0, 19).replace(/[-T:]/g, '')}`);
}
