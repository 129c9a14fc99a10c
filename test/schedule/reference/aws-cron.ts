/**
 * Reference reading of EventBridge's 6-field `cron(min hour day-of-month month day-of-week year)`, from the
 * AWS documentation: day-of-week 1-7 = SUN-SAT, one of the day fields is `?`, `a/s` counts from a to the end of
 * the field, `L`/`LW`/`nW` in day-of-month, `w#n`/`wL` in day-of-week; every field must match.
 */
import type { CronMatcher } from './unix-cron.ts';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function value(text: string, names?: string[], first = 1): number {
  return /^\d+$/.test(text) ? Number(text) : names!.indexOf(text.toUpperCase()) + first;
}

function plain(text: string, candidate: number, min: number, max: number, names?: string[]): boolean {
  return text.split(',').some((token) => {
    if (token === '*' || token === '?') return true;
    const [base, stepText] = token.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    const [fromText, toText] = base.split('-') as [string, string | undefined];
    const from = fromText === '*' ? min : value(fromText, names);
    const to = toText !== undefined ? value(toText, names) : stepText !== undefined ? max : from;
    return candidate >= from && candidate <= to && (candidate - from) % step === 0;
  });
}

export interface AwsCron extends CronMatcher {
  year(value: number): boolean;
}

export function awsCronMatcher(expression: string): AwsCron {
  const inner = /^cron\((.*)\)$/.exec(expression)![1]!;
  const [minute, hour, dom, month, dow, year] = inner.split(' ') as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new Error(`exactly one day field must be '?': ${expression}`);
  return {
    minute: (candidate) => plain(minute, candidate, 0, 59),
    hour: (candidate) => plain(hour, candidate, 0, 23),
    year: (candidate) => plain(year, candidate, 1970, 2199),
    date: (_year, monthValue, day, weekday, lastDay) => {
      if (!plain(month, monthValue, 1, 12, MONTHS)) return false;
      const weekdayOf = (target: number) => (((weekday + target - day) % 7) + 7) % 7;
      if (dom !== '?') {
        if (dom === 'L') return day === lastDay;
        if (dom === 'LW') {
          let last = lastDay;
          while (weekdayOf(last) === 0 || weekdayOf(last) === 6) last--;
          return day === last;
        }
        if (dom.endsWith('W')) {
          const target = Number(dom.slice(0, -1));
          let nearest = target;
          if (weekdayOf(target) === 6) nearest = target === 1 ? 3 : target - 1;
          if (weekdayOf(target) === 0) nearest = target === lastDay ? target - 2 : target + 1;
          return day === nearest;
        }
        return plain(dom, day, 1, 31);
      }
      const awsWeekday = weekday + 1;
      if (dow.includes('#')) {
        const [dayText, n] = dow.split('#') as [string, string];
        return awsWeekday === value(dayText, DAYS) && Math.floor((day - 1) / 7) + 1 === Number(n);
      }
      if (/^\w+L$/.test(dow)) return awsWeekday === value(dow.slice(0, -1), DAYS) && day > lastDay - 7;
      return plain(dow, awsWeekday, 1, 7, DAYS);
    },
  };
}
