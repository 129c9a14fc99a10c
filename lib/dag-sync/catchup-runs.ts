import type { CatchupMark } from '../dynamo/dag-record.ts';
import { catchupIntervals, parseScheduleDate, type RunInterval, type ScheduleSpec } from '../schedule/index.ts';

export type { CatchupMark } from '../dynamo/dag-record.ts';

/** What dag-sync knew of the DAG before this sync: its record's schedule, mark and whether it was disabled. */
export interface CatchupPrevious {
  readonly mark?: CatchupMark;
  readonly disabled: boolean;
}

/** The intervals to start, oldest first, and the mark to record once they were handed to the trigger. */
export interface CatchupPlan {
  /** The mark to record before any is started: a sync that dies midway starts the same intervals again. */
  readonly owed: CatchupMark;
  readonly intervals: RunInterval[];
  /** The mark to record once every interval was handed over. */
  readonly done: CatchupMark;
  /** More intervals are owed than `limit`: the rest wait for the next sync of the file. */
  readonly capped: boolean;
}

/**
 * The scheduled runs a sync of a DAG owes, as Airflow's scheduler would create them when a DAG appears or is
 * unpaused: with `catchup`, every interval that ended since `startDate` (or after the newest one already handed
 * over), oldest first; without, only the latest ended interval, unless it was handed over already. A DAG seen
 * before keeps its mark: nothing more is owed, unless its `startDate` moved back (with `catchup`, the intervals
 * before the old start), its file was deleted meanwhile (the intervals missed while disabled, as an unpause), or
 * a sync stopped at `limit` (the rest). A changed expression or zone owes nothing: the new schedules take over at
 * their next fire. Pure: `now` is an argument.
 */
export function planCatchup(
  spec: ScheduleSpec,
  previous: CatchupPrevious | undefined,
  now: Date,
  limit: number,
): CatchupPlan {
  const owed = owedMark(spec, previous, now);
  if (spec.expression === null) return { owed, intervals: [], done: owed, capped: false };
  const until = new Date(owed.until);
  const earlier = movedBack(spec, owed, until, limit);
  const room = limit - earlier.intervals.length;
  const later = catchupIntervals(spec, until, {
    ...(owed.through !== undefined ? { lastLogicalDate: owed.through } : {}),
    limit: room + 1,
  });
  const intervals = [...earlier.intervals, ...later.slice(0, room)];
  const capped = earlier.capped || later.length > room;
  const firedLater = later.slice(0, room);
  const through = firedLater.length > 0 ? firedLater.at(-1)!.logicalDate : owed.through;
  const done: CatchupMark = {
    expression: owed.expression,
    timezone: owed.timezone,
    // The moved-back intervals stop at the old start until all of them were handed over.
    ...(earlier.capped
      ? {
          ...(owed.from !== undefined ? { from: owed.from } : {}),
          earlierThrough: earlier.intervals.at(-1)!.logicalDate,
        }
      : spec.startDate !== undefined
        ? { from: spec.startDate }
        : owed.from !== undefined
          ? { from: owed.from }
          : {}),
    ...(through !== undefined ? { through } : {}),
    until: owed.until,
  };
  return { owed, intervals, done, capped };
}

/**
 * The mark a DAG keeps when its file is deleted: if catchup was complete, everything that ended by now counts as
 * handed over (the schedules fired it), so an upload that brings it back owes only what was missed meanwhile.
 */
export function pausedCatchup(spec: ScheduleSpec, mark: CatchupMark | undefined, now: Date): CatchupMark | undefined {
  if (mark === undefined || spec.expression === null) return mark;
  if (planCatchup(spec, { mark, disabled: false }, now, 1).intervals.length > 0) return mark;
  const latest = latestEnded(spec, now);
  return { ...mark, ...(latest !== undefined ? { through: latest.logicalDate } : {}), until: now.toISOString() };
}

/** The mark as owed at this sync, before anything is handed over. */
function owedMark(spec: ScheduleSpec, previous: CatchupPrevious | undefined, now: Date): CatchupMark {
  const fresh = (through?: string): CatchupMark => ({
    expression: spec.expression,
    timezone: spec.timezone,
    ...(spec.startDate !== undefined ? { from: spec.startDate } : {}),
    ...(through !== undefined ? { through } : {}),
    until: now.toISOString(),
  });
  const mark = previous?.mark;
  if (mark === undefined) return fresh();
  // Intervals of another schedule: its runs are not this one's, and the new schedules start at their next fire.
  if (mark.expression !== spec.expression || mark.timezone !== spec.timezone) {
    return fresh(latestEnded(spec, now)?.logicalDate);
  }
  // Back after its file was deleted: the schedules were off, so what ended meanwhile is owed, as an unpause.
  if (previous!.disabled) return { ...mark, until: now.toISOString() };
  return mark;
}

/**
 * With catchup, the intervals before the mark's start date when `startDate` moved back (ended by `until`), at
 * most `limit`. None before anything was handed over: those are owed from the start date anyway.
 */
function movedBack(
  spec: ScheduleSpec,
  mark: CatchupMark,
  until: Date,
  limit: number,
): { intervals: RunInterval[]; capped: boolean } {
  if (!spec.catchup || spec.startDate === undefined || mark.through === undefined) {
    return { intervals: [], capped: false };
  }
  const boundary = mark.from !== undefined ? mark.from : mark.through;
  const before = parseScheduleDate(boundary, spec.timezone).getTime();
  if (parseScheduleDate(spec.startDate, spec.timezone).getTime() >= before) return { intervals: [], capped: false };
  const intervals = catchupIntervals(spec, until, {
    ...(mark.earlierThrough !== undefined ? { lastLogicalDate: mark.earlierThrough } : {}),
    limit: limit + 1,
  }).filter((interval) => Date.parse(interval.logicalDate) < before);
  return { intervals: intervals.slice(0, limit), capped: intervals.length > limit };
}

function latestEnded(spec: ScheduleSpec, now: Date): RunInterval | undefined {
  return catchupIntervals({ ...spec, catchup: false }, now).at(-1);
}
