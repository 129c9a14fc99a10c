import { civilFromDays, daysInMonth, weekdayOfDays } from './civil-date.ts';
import type { CronSchedule, DayOfMonthRule, DayOfWeekRule } from './cron-parse.ts';

/** Whether the cron's month and day fields accept a date, given as a day number (days since 1970-01-01). */
export function cronMatchesDay(cron: CronSchedule, days: number): boolean {
  const { year, month, day } = civilFromDays(days);
  if (!cron.months.includes(month)) return false;
  const weekday = weekdayOfDays(days);
  const lastDay = daysInMonth(year, month);
  const { dayOfMonth, dayOfWeek } = cron;
  if (dayOfMonth === undefined && dayOfWeek === undefined) return true;
  if (dayOfMonth === undefined) return dayOfWeekMatches(dayOfWeek!, day, weekday, lastDay);
  if (dayOfWeek === undefined) return dayOfMonthMatches(dayOfMonth, day, weekday, lastDay);
  return dayOfMonthMatches(dayOfMonth, day, weekday, lastDay) || dayOfWeekMatches(dayOfWeek, day, weekday, lastDay);
}

function dayOfMonthMatches(rule: DayOfMonthRule, day: number, weekday: number, lastDay: number): boolean {
  if (rule.days.includes(day)) return true;
  if (rule.last && day === lastDay) return true;
  if (rule.lastWeekday && day === nearestWeekday(lastDay, (weekday + lastDay - day) % 7, lastDay)) return true;
  return rule.nearestWeekday.some(
    (target) => day === nearestWeekday(target, (weekday + 35 + target - day) % 7, lastDay),
  );
}

function dayOfWeekMatches(rule: DayOfWeekRule, day: number, weekday: number, lastDay: number): boolean {
  if (rule.weekdays.includes(weekday)) return true;
  if (rule.nth.some((entry) => entry.weekday === weekday && Math.ceil(day / 7) === entry.n)) return true;
  return rule.last.includes(weekday) && day + 7 > lastDay;
}

/**
 * Quartz's `W` (which EventBridge follows): the weekday nearest `target`, never leaving the month, so a
 * Saturday the 1st moves to Monday the 3rd and a Sunday on the last day moves back to the Friday.
 */
function nearestWeekday(target: number, targetWeekday: number, lastDay: number): number {
  if (targetWeekday === 6) return target === 1 ? 3 : target - 1;
  if (targetWeekday === 0) return target === lastDay ? target - 2 : target + 1;
  return target;
}
