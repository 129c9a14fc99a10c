import { ScheduleError } from './errors.ts';
import { formatInZone } from './iso-time.ts';
import { dateArgument, instantOf, type ResolvedSpec, resolveSpec } from './resolve-spec.ts';
import type { RunInterval, ScheduleSpec } from './types.ts';
import { TimeZone, timeZoneProblem } from './zoned-time.ts';

/**
 * Data intervals as Airflow's timetables give them. A cron schedule's run covers the time from one fire to the
 * next: its logical date is the interval start and it runs at the interval end, so the daily run for 2026-11-22
 * fires at 2026-11-23T00:00. A rate's runs count from the start date. `@once` is one run at the start date with
 * an empty interval. Runs have logical dates from the start date's first fire up to the end date.
 */

interface Interval {
  readonly start: number;
  readonly end: number;
}

const DEFAULT_CATCHUP_LIMIT = 1000;
const DEFAULT_BACKFILL_LIMIT = 10_000;

/** The next `count` runs that fire after `after`, in order. */
export function nextRuns(spec: ScheduleSpec, after: Date, count: number): RunInterval[] {
  const resolved = resolveSpec(spec);
  const from = instantOf(after, 'after');
  const runs: RunInterval[] = [];
  if (count <= 0) return runs;
  for (const interval of runsFiringAfter(resolved, from)) {
    runs.push(toRunInterval(interval, resolved));
    if (runs.length >= count) break;
  }
  return runs;
}

/**
 * The runs the scheduler owes at `now`: with catchup, every interval that ended since the start date (or after
 * `lastLogicalDate`), oldest first, at most `limit` (ask again with the last one's logical date for more);
 * without catchup only the latest interval that ended, if it is newer than `lastLogicalDate`. `@once` owes its
 * one run until it has run, whatever catchup says, as in Airflow.
 */
export function catchupIntervals(
  spec: ScheduleSpec,
  now: Date,
  opts: { lastLogicalDate?: string; limit?: number } = {},
): RunInterval[] {
  const resolved = resolveSpec(spec);
  const at = instantOf(now, 'now');
  const last =
    opts.lastLogicalDate !== undefined ? dateArgument('logicalDate', opts.lastLogicalDate, resolved.zone) : undefined;
  const limit = opts.limit ?? DEFAULT_CATCHUP_LIMIT;
  const { schedule, fires } = resolved;
  if (schedule.kind === 'manual' || limit <= 0) return [];
  if (schedule.kind === 'once' || fires === undefined) {
    const run = latestEnded(resolved, at);
    return run !== undefined && last === undefined ? [toRunInterval(run, resolved)] : [];
  }
  if (!resolved.catchup || (resolved.start === undefined && last === undefined)) {
    const run = latestEnded(resolved, at);
    return run !== undefined && (last === undefined || run.start > last) ? [toRunInterval(run, resolved)] : [];
  }
  const runs: RunInterval[] = [];
  // The runs with a logical date after `last` are those that fire after the first fire after `last`.
  const after = last !== undefined ? fires.next(last) : Number.NEGATIVE_INFINITY;
  if (after === undefined) return runs;
  for (const interval of runsFiringAfter(resolved, after)) {
    if (interval.end > at || runs.length >= limit) break;
    runs.push(toRunInterval(interval, resolved));
  }
  return runs;
}

/**
 * The runs whose logical dates fall in [from, to] (dates read in the DAG's zone; a date alone is its midnight),
 * oldest first or, with `reverse`, newest first. The DAG's start and end dates do not limit a backfill. Refuses
 * a range of more than `limit` runs, so a mistyped year cannot queue a million runs.
 */
export function backfillIntervals(
  spec: ScheduleSpec,
  from: string,
  to: string,
  opts: { reverse?: boolean; limit?: number } = {},
): RunInterval[] {
  const resolved = resolveSpec(spec);
  const first = dateArgument('from', from, resolved.zone);
  const last = dateArgument('to', to, resolved.zone);
  if (last < first) throw new ScheduleError('to', to, `to '${to}' is before from '${from}'`);
  const limit = opts.limit ?? DEFAULT_BACKFILL_LIMIT;
  const { schedule, fires } = resolved;
  if (schedule.kind === 'manual') {
    throw new ScheduleError(
      'schedule',
      null,
      'schedule null has no intervals to backfill: the DAG only runs when triggered',
    );
  }
  const intervals: Interval[] = [];
  if (schedule.kind === 'once' || fires === undefined) {
    const at = resolved.start!;
    if (at >= first && at <= last) intervals.push({ start: at, end: at });
  } else {
    for (let logical = fires.next(first - 1); logical !== undefined && logical <= last; ) {
      const runAfter = fires.next(logical);
      if (runAfter === undefined) break;
      if (intervals.length >= limit) {
        throw new ScheduleError(
          'to',
          to,
          `from '${from}' to '${to}' holds more than ${limit} runs; backfill a shorter range`,
        );
      }
      intervals.push({ start: logical, end: runAfter });
      logical = runAfter;
    }
  }
  if (opts.reverse === true) intervals.reverse();
  return intervals.map((interval) => toRunInterval(interval, resolved));
}

/**
 * The run a schedule fire starts: the run that fires at `firedAt`, or the latest one before it when the fire
 * arrived late. Pass EventBridge Scheduler's `<aws.scheduler.scheduled-time>`: every schedule that fires at
 * the same instant then maps to the same run (and run id). Undefined outside the DAG's start and end dates.
 */
export function scheduledInterval(spec: ScheduleSpec, firedAt: Date): RunInterval | undefined {
  const resolved = resolveSpec(spec);
  const run = latestEnded(resolved, instantOf(firedAt, 'triggeredAt'));
  return run !== undefined ? toRunInterval(run, resolved) : undefined;
}

/** A run triggered by hand (or by an event): its logical date is the trigger time and its interval is empty. */
export function manualRunInterval(triggeredAt: Date, timezone = 'UTC'): RunInterval {
  const problem = timeZoneProblem(timezone);
  if (problem !== undefined) throw new ScheduleError('timezone', timezone, problem);
  const at = formatInZone(instantOf(triggeredAt, 'triggeredAt'), TimeZone.of(timezone));
  return { logicalDate: at, dataIntervalStart: at, dataIntervalEnd: at, runAfter: at };
}

/** Runs in order, starting with the first that fires strictly after `after`, within the start and end dates. */
function* runsFiringAfter(resolved: ResolvedSpec, after: number): Generator<Interval> {
  const { fires, start, end } = resolved;
  if (fires === undefined) {
    if (resolved.schedule.kind === 'once' && start! > after) yield { start: start!, end: start! };
    return;
  }
  const firstLogical = start !== undefined ? fires.next(start - 1) : undefined;
  if (start !== undefined && firstLogical === undefined) return;
  const firstRunAfter = firstLogical !== undefined ? fires.next(firstLogical) : undefined;
  let logical: number | undefined;
  let runAfter: number | undefined;
  if (firstRunAfter !== undefined && after < firstRunAfter) {
    logical = firstLogical;
    runAfter = firstRunAfter;
  } else {
    runAfter = fires.next(after);
    logical = runAfter !== undefined ? fires.prev(runAfter) : undefined;
  }
  while (logical !== undefined && runAfter !== undefined && (end === undefined || logical <= end)) {
    yield { start: logical, end: runAfter };
    logical = runAfter;
    runAfter = fires.next(runAfter);
  }
}

/** The latest run that has fired by `at` (inclusive), within the start and end dates. */
function latestEnded(resolved: ResolvedSpec, at: number): Interval | undefined {
  const { fires, start, end } = resolved;
  if (fires === undefined) {
    return resolved.schedule.kind === 'once' && start! <= at ? { start: start!, end: start! } : undefined;
  }
  let runAfter = fires.prev(at + 1);
  let logical = runAfter !== undefined ? fires.prev(runAfter) : undefined;
  if (runAfter === undefined || logical === undefined) return undefined;
  if (end !== undefined && logical > end) {
    logical = fires.prev(end + 1);
    runAfter = logical !== undefined ? fires.next(logical) : undefined;
    if (logical === undefined || runAfter === undefined) return undefined;
  }
  if (start !== undefined && logical < start) return undefined;
  return { start: logical, end: runAfter };
}

function toRunInterval(interval: Interval, resolved: ResolvedSpec): RunInterval {
  const start = formatInZone(interval.start, resolved.zone);
  const end = formatInZone(interval.end, resolved.zone);
  return { logicalDate: start, dataIntervalStart: start, dataIntervalEnd: end, runAfter: end };
}
