/**
 * Schedules, time zones and data intervals: pure functions (the current time is always an argument) shared by
 * the compiler, the trigger Lambda, the local engine and the CLI, so that local runs and EventBridge Scheduler
 * agree to the minute, across DST changes too.
 */

import { ScheduleError, type ScheduleProblem } from './errors.ts';
import { checkSpec, dateArgument } from './resolve-spec.ts';
import type { ScheduleSpec } from './types.ts';
import { TimeZone, timeZoneProblem } from './zoned-time.ts';

export { type RunContextDates, runContextDates, runId } from './context-dates.ts';
export {
  type DeadlineReferenceName,
  type DeadlineReferenceTimes,
  type DeadlineSpec,
  deadlineAt,
  deadlinePassed,
} from './deadline.ts';
export { ScheduleError, type ScheduleField, type ScheduleProblem } from './errors.ts';
export { toEventBridgeSchedules } from './eventbridge.ts';
export { backfillIntervals, catchupIntervals, manualRunInterval, nextRuns, scheduledInterval } from './intervals.ts';
export { latestWindow, secondKey } from './latest-window.ts';
export { PRESET_NAMES } from './presets.ts';
export type { EventBridgeSchedule, LatestWindow, RunInterval, RunType, ScheduleSpec } from './types.ts';

/** Every problem with a DAG's schedule options (expression, zone, start and end dates) at once; never throws. */
export function validateSchedule(spec: ScheduleSpec): ScheduleProblem[] {
  return checkSpec(spec).problems;
}

/**
 * Reads an ISO date or date-time the way schedule options are read: without an offset it is a wall time in
 * `timezone` (a date alone is its midnight). Throws a `ScheduleError` naming `field` and quoting the text.
 */
export function parseScheduleDate(
  text: string,
  timezone = 'UTC',
  field: 'from' | 'to' | 'logicalDate' | 'after' = 'logicalDate',
): Date {
  const problem = timeZoneProblem(timezone);
  if (problem !== undefined) throw new ScheduleError('timezone', timezone, problem);
  return new Date(dateArgument(field, text, TimeZone.of(timezone)));
}
