import type { CronSchedule } from './cron-parse.ts';
import { formatUtc, formatWall } from './iso-time.ts';
import { rateExpression } from './rate.ts';
import { instantOf, type ResolvedSpec, resolveSpec } from './resolve-spec.ts';
import type { EventBridgeSchedule, ScheduleSpec } from './types.ts';
import type { TimeZone } from './zoned-time.ts';

/**
 * The EventBridge Scheduler schedules that fire exactly when the DAG's runs are due (none for `null`).
 *
 * A 5-field cron becomes 6-field `cron(…)` (day-of-week 1-7 = SUN-SAT, `?` in one day field). When a cron
 * restricts both day fields it fires on days matching either; EventBridge cannot say "either" in one
 * expression, so that becomes one schedule per day rule, and the same for day-of-week lists with `#` or `L`
 * and day-of-month lists with `L` or `W`. Together they fire at exactly the cron's times; on a day matching
 * two rules two schedules fire at the same instant, which `scheduledInterval` maps to one run id, so one run.
 *
 * StartDate is the first run's fire time and EndDate one second after the last run's, so that reading either
 * bound as inclusive or exclusive gives the same fires. EventBridge refuses a StartDate more than five minutes
 * in the past: when deploying, pass `now` to start from the first run due at or after it (a rate keeps its
 * cadence) and to drop schedules with nothing left to fire, such as a past `@once`.
 */
export function toEventBridgeSchedules(spec: ScheduleSpec, options: { now?: Date } = {}): EventBridgeSchedule[] {
  const resolved = resolveSpec(spec);
  const now = options.now !== undefined ? instantOf(options.now, 'now') : undefined;
  const { schedule, zone } = resolved;
  if (schedule.kind === 'manual') return [];
  if (schedule.kind === 'once') {
    const at = resolved.start!;
    return now !== undefined && at < now ? [] : [onceSchedule(at, zone)];
  }
  const window = fireWindow(resolved, now);
  if (window === undefined) return [];
  const bounds = {
    ...(window.first !== undefined ? { startDate: formatUtc(window.first) } : {}),
    ...(window.last !== undefined ? { endDate: formatUtc(window.last + 1000) } : {}),
  };
  const expressions = schedule.kind === 'rate' ? [rateExpression(schedule.everyMs)] : cronExpressions(schedule.cron);
  return expressions.map((expression) => ({ expression, timezone: zone.name, ...bounds }));
}

/** 6-field EventBridge cron expressions whose fires together are the 5-field cron's. */
function cronExpressions(cron: CronSchedule): string[] {
  const dayFields: Array<[dayOfMonth: string, dayOfWeek: string]> = [];
  const { dayOfMonth, dayOfWeek } = cron;
  if (dayOfMonth === undefined && dayOfWeek === undefined) dayFields.push(['*', '?']);
  if (dayOfMonth !== undefined) {
    if (dayOfMonth.days.length > 0) dayFields.push([renderField(dayOfMonth.days, 1, 31), '?']);
    if (dayOfMonth.last) dayFields.push(['L', '?']);
    if (dayOfMonth.lastWeekday) dayFields.push(['LW', '?']);
    for (const day of dayOfMonth.nearestWeekday) dayFields.push([`${day}W`, '?']);
  }
  if (dayOfWeek !== undefined) {
    // EventBridge numbers days of the week 1-7 from Sunday; cron numbers them 0-6.
    const weekdays = dayOfWeek.weekdays.map((day) => day + 1);
    if (weekdays.length > 0) dayFields.push(['?', renderField(weekdays, 1, 7, false)]);
    for (const { weekday, n } of dayOfWeek.nth) dayFields.push(['?', `${weekday + 1}#${n}`]);
    for (const weekday of dayOfWeek.last) dayFields.push(['?', `${weekday + 1}L`]);
  }
  // The longest 5-field cron (lists that defeat ranges and steps in every field) renders to about 240
  // characters, within ScheduleExpression's 256.
  const [minutes, hours, months] = [
    renderField(cron.minutes, 0, 59),
    renderField(cron.hours, 0, 23),
    renderField(cron.months, 1, 12),
  ];
  return dayFields.map(([dom, dow]) => `cron(${minutes} ${hours} ${dom} ${months} ${dow} *)`);
}

/**
 * `*` for every value, `a/s` for a step that runs to the end of the field (EventBridge reads `5/15` as 5, 20,
 * 35, 50 and has no `*\/s`), otherwise a list of values and ranges. Day-of-week takes no steps.
 */
function renderField(values: readonly number[], min: number, max: number, steps = true): string {
  if (values.length === max - min + 1) return '*';
  const step = values.length >= 3 ? values[1]! - values[0]! : 0;
  const isStep =
    steps &&
    step >= 2 &&
    values.every((value, index) => value === values[0]! + index * step) &&
    values.at(-1)! + step > max;
  if (isStep) return `${values[0]}/${step}`;
  const parts: string[] = [];
  for (let index = 0; index < values.length; ) {
    let end = index;
    while (end + 1 < values.length && values[end + 1] === values[end]! + 1) end++;
    if (end - index >= 2) parts.push(`${values[index]}-${values[end]}`);
    else for (let each = index; each <= end; each++) parts.push(String(values[each]));
    index = end + 1;
  }
  return parts.join(',');
}

/**
 * `at(…)` reads its wall time in the schedule's zone; a start date whose wall time the zone skips or repeats
 * cannot be written that way, so it is written in UTC instead.
 */
function onceSchedule(at: number, zone: TimeZone): EventBridgeSchedule {
  const wall = Math.floor(zone.toWall(at) / 1000) * 1000;
  if (zone.instantsAt(wall).length === 1) return { expression: `at(${formatWall(wall, false)})`, timezone: zone.name };
  return { expression: `at(${formatWall(Math.floor(at / 1000) * 1000, false)})`, timezone: 'UTC' };
}

/** The fire times of the first and last runs still to come (undefined bound: none set), or undefined if none. */
function fireWindow(resolved: ResolvedSpec, now: number | undefined): { first?: number; last?: number } | undefined {
  const fires = resolved.fires!;
  const { start, end } = resolved;
  const firstLogical = start !== undefined ? fires.next(start - 1) : undefined;
  if (start !== undefined && firstLogical === undefined) return undefined;
  let first = firstLogical !== undefined ? fires.next(firstLogical) : undefined;
  // A rate without a start date counts from the epoch: its StartDate pins that cadence down.
  if (first === undefined && resolved.schedule.kind === 'rate') first = fires.next(now !== undefined ? now - 1 : 0);
  if (now !== undefined && first !== undefined && first < now) first = fires.next(now - 1);
  let last: number | undefined;
  if (end !== undefined) {
    const lastLogical = fires.prev(end + 1);
    if (lastLogical === undefined || (firstLogical !== undefined && lastLogical < firstLogical)) return undefined;
    last = fires.next(lastLogical);
    if (last === undefined || (first !== undefined && last < first) || (now !== undefined && last < now)) {
      return undefined;
    }
  }
  return { ...(first !== undefined ? { first } : {}), ...(last !== undefined ? { last } : {}) };
}
