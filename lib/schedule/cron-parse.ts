/**
 * Five-field cron (minute hour day-of-month month day-of-week) as Airflow reads it through croniter: ranges,
 * steps, lists, names, ranges that wrap (`FRI-MON`, `22-2`), `L`, `LW`, `15W` in day-of-month, `5#3`, `5L` in
 * day-of-week, day-of-week 0-7 with 0 and 7 both Sunday.
 */
import { AirstepError } from '../errors/airstep-error.ts';

export interface DayOfMonthRule {
  /** Days 1-31; a month without the day skips it. */
  readonly days: readonly number[];
  /** `L`: the last day of the month. */
  readonly last: boolean;
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  readonly lastWeekday: boolean;
  /** `15W`: the weekday nearest the 15th, staying inside the month. */
  readonly nearestWeekday: readonly number[];
}

export interface DayOfWeekRule {
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekdays: readonly number[];
  /** `5#3`: the third Friday of the month. */
  readonly nth: ReadonlyArray<{ readonly weekday: number; readonly n: number }>;
  /** `5L`: the last Friday of the month. */
  readonly last: readonly number[];
}

export interface CronSchedule {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  /**
   * The day rules, `undefined` when unrestricted. When both are set a day matches if either does (the rule of
   * Vixie cron and croniter); when one is unrestricted only the other one counts.
   */
  readonly dayOfMonth: DayOfMonthRule | undefined;
  readonly dayOfWeek: DayOfWeekRule | undefined;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldShape {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Index of names[0]. */
  readonly namesFrom?: number;
}

const MINUTE: FieldShape = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldShape = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldShape = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldShape = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 };
// 7 is accepted as Sunday, as every cron does; it folds to 0 after ranges are expanded so `FRI-7` works.
const DAY_OF_WEEK: FieldShape = { name: 'day-of-week', min: 0, max: 7, names: WEEKDAY_NAMES, namesFrom: 0 };

const CRON_FIELD_NAMES = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK].map((field) => field.name);

/** A cron field that cannot be read; `parseCron` turns it into its `{ error }` answer. */
class CronFieldError extends AirstepError {
  override readonly name = 'CronFieldError';

  constructor(message: string) {
    super(message, { code: 'INVALID_CRON_FIELD' });
  }
}

/** Parses a 5-field cron expression; the error names the field and quotes the part it could not read. */
export function parseCron(expression: string): { cron: CronSchedule } | { error: string } {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return { error: `a cron expression has 5 fields (${CRON_FIELD_NAMES.join(' ')}), this one has ${fields.length}` };
  }
  try {
    const [minuteText, hourText, domText, monthText, dowText] = fields.map((field) =>
      field === '?' ? '*' : field,
    ) as [string, string, string, string, string];
    const minutes = values(minuteText, MINUTE);
    const hours = values(hourText, HOUR);
    const months = values(monthText, MONTH);
    const dayOfMonth = parseDayOfMonth(domText);
    const dayOfWeek = parseDayOfWeek(dowText);
    return { cron: { minutes, hours, months, ...dayRules(dayOfMonth, domText, dayOfWeek, dowText) } };
  } catch (error) {
    if (error instanceof CronFieldError) return { error: error.message };
    throw error;
  }
}

/**
 * croniter's reading of which day fields restrict: `*` never does; a list that names every day counts as `*`
 * only when the other field is written with a `*` (so `0 0 1-31 * MON` fires daily, as in Vixie cron).
 */
function dayRules(
  dayOfMonth: DayOfMonthRule,
  domText: string,
  dayOfWeek: DayOfWeekRule,
  dowText: string,
): Pick<CronSchedule, 'dayOfMonth' | 'dayOfWeek'> {
  const everyDate = isPlain(dayOfMonth) && dayOfMonth.days.length === 31;
  const everyWeekday = dayOfWeek.nth.length === 0 && dayOfWeek.last.length === 0 && dayOfWeek.weekdays.length === 7;
  const domStar = domText === '*' || (everyDate && dowText.includes('*'));
  const dowStar = dowText === '*' || (everyWeekday && domText.includes('*'));
  if (domStar && dowStar) return { dayOfMonth: undefined, dayOfWeek: undefined };
  if (domStar) return { dayOfMonth: undefined, dayOfWeek: everyWeekday ? undefined : dayOfWeek };
  if (dowStar) return { dayOfMonth: everyDate ? undefined : dayOfMonth, dayOfWeek: undefined };
  // Both restrict, so either matching is enough; one that matches every day makes the other irrelevant.
  if (everyDate || everyWeekday) return { dayOfMonth: undefined, dayOfWeek: undefined };
  return { dayOfMonth, dayOfWeek };
}

function isPlain(rule: DayOfMonthRule): boolean {
  return !rule.last && !rule.lastWeekday && rule.nearestWeekday.length === 0;
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  const days: number[] = [];
  const nearestWeekday: number[] = [];
  let last = false;
  let lastWeekday = false;
  for (const token of tokens(text, DAY_OF_MONTH)) {
    const upper = token.toUpperCase();
    if (upper === 'L') last = true;
    else if (upper === 'LW') lastWeekday = true;
    else if (/^\d+W$/.test(upper)) {
      const day = Number(upper.slice(0, -1));
      if (day < 1 || day > 28) {
        throw new CronFieldError(
          `day-of-month '${token}': W works on days 1-28 (cron implementations disagree on shorter months); use 'LW' for the last weekday`,
        );
      }
      nearestWeekday.push(day);
    } else days.push(...expand(token, DAY_OF_MONTH));
  }
  return { days: unique(days), last, lastWeekday, nearestWeekday: unique(nearestWeekday) };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  const weekdays: number[] = [];
  const nth: Array<{ weekday: number; n: number }> = [];
  const last: number[] = [];
  for (const token of tokens(text, DAY_OF_WEEK)) {
    const hash = /^([A-Za-z0-9]+)#(\d+)$/.exec(token);
    const lastOf = /^([A-Za-z0-9]+?)L$/i.exec(token) ?? /^L([A-Za-z0-9]+)$/i.exec(token);
    if (hash !== null) {
      const n = Number(hash[2]);
      if (n < 1 || n > 5) throw new CronFieldError(`day-of-week '${token}': the week after '#' must be 1-5`);
      nth.push({ weekday: single(hash[1]!, DAY_OF_WEEK) % 7, n });
    } else if (lastOf !== null) {
      last.push(single(lastOf[1]!, DAY_OF_WEEK) % 7);
    } else if (token.toUpperCase() === 'L') {
      throw new CronFieldError(`day-of-week 'L' needs a weekday: '5L' is the last Friday of the month`);
    } else weekdays.push(...expand(token, DAY_OF_WEEK).map((day) => day % 7));
  }
  const plain = new Set(weekdays);
  // `MON,MON#1` is every Monday: drop the nth and last entries a plain weekday already covers.
  const nthKept = nth.filter((entry) => !plain.has(entry.weekday));
  const uniqueNth = nthKept.filter(
    (entry, index) => nthKept.findIndex((other) => other.weekday === entry.weekday && other.n === entry.n) === index,
  );
  uniqueNth.sort((a, b) => a.weekday - b.weekday || a.n - b.n);
  return { weekdays: unique(weekdays), nth: uniqueNth, last: unique(last.filter((day) => !plain.has(day))) };
}

function tokens(text: string, field: FieldShape): string[] {
  const parts = text.split(',');
  if (parts.some((part) => part === '')) throw new CronFieldError(`${field.name} '${text}' has an empty list item`);
  return parts;
}

function values(text: string, field: FieldShape): number[] {
  return unique(tokens(text, field).flatMap((token) => expand(token, field)));
}

/** `*`, `*\/s`, `a`, `a/s`, `a-b`, `a-b/s`; a range whose end is below its start wraps around the field. */
function expand(token: string, field: FieldShape): number[] {
  const match = /^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(token);
  if (match === null) throw new CronFieldError(`${field.name} '${token}' is not a value, range or step`);
  const [, from, to, stepText] = match;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) throw new CronFieldError(`${field.name} '${token}' has step 0`);
  // Day-of-week cycles through 0-6; 7 only spells Sunday at the end of a range (`FRI-7`, `FRI-SUN`).
  const last = field === DAY_OF_WEEK ? 6 : field.max;
  if (from === '*') {
    if (to !== undefined) throw new CronFieldError(`${field.name} '${token}' is not a value, range or step`);
    return stepped(range(field.min, last), step);
  }
  const start = field === DAY_OF_WEEK ? single(from!, field) % 7 : single(from!, field);
  if (to === undefined) return stepText === undefined ? [start] : stepped(range(start, last), step);
  const end = single(to, field);
  if (start <= end) return stepped(range(start, end), step);
  // Wrapping: `FRI-MON` is FRI SAT SUN MON; a step keeps counting across the wrap, as croniter does.
  return stepped([...range(start, last), ...range(field.min, end)], step);
}

function single(text: string, field: FieldShape): number {
  let value: number;
  if (/^\d+$/.test(text)) value = Number(text);
  else {
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) {
      const names = field.names !== undefined ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
      throw new CronFieldError(`${field.name} '${text}' is not a number${names}`);
    }
    value = index + (field.namesFrom ?? 0);
  }
  if (value < field.min || value > field.max) {
    const names = field.names !== undefined ? ` (or ${field.names[0]}-${field.names.at(-1)})` : '';
    throw new CronFieldError(`${field.name} ${value} is out of range ${field.min}-${field.max}${names}`);
  }
  return value;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let value = from; value <= to; value++) out.push(value);
  return out;
}

function stepped(list: number[], step: number): number[] {
  return list.filter((_, index) => index % step === 0);
}

function unique(list: number[]): number[] {
  return [...new Set(list)].sort((a, b) => a - b);
}
