/**
 * Reference reading of 5-field cron as croniter (Airflow) documents it, written for plain correctness: each
 * field token is tested value by value; `L`, `W`, `#` are checked by counting days of the month.
 */

export interface CronMatcher {
  minute(value: number): boolean;
  hour(value: number): boolean;
  date(year: number, month: number, day: number, weekday: number, lastDay: number): boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  min: number;
  /** The last value of the cycle a range wraps around (6 for day-of-week, where 7 also means Sunday). */
  cycleMax: number;
  names?: string[];
  namesFrom?: number;
}

const MINUTE: Field = { min: 0, cycleMax: 59 };
const HOUR: Field = { min: 0, cycleMax: 23 };
const DOM: Field = { min: 1, cycleMax: 31 };
const MONTH: Field = { min: 1, cycleMax: 12, names: MONTHS, namesFrom: 1 };
const DOW: Field = { min: 0, cycleMax: 6, names: DAYS, namesFrom: 0 };

function number(text: string, field: Field): number {
  if (/^\d+$/.test(text)) return Number(text);
  return field.names!.indexOf(text.toUpperCase()) + field.namesFrom!;
}

/** The values a plain token (`*`, `a`, `a-b`, with an optional `/s`) names, walking forward from its start. */
function tokenValues(token: string, field: Field): number[] {
  const [base, stepText] = token.split('/') as [string, string | undefined];
  const step = stepText === undefined ? 1 : Number(stepText);
  let walk: number[] = [];
  if (base === '*') {
    for (let value = field.min; value <= field.cycleMax; value++) walk.push(value);
  } else {
    const [fromText, toText] = base.split('-') as [string, string | undefined];
    const from = number(fromText, field);
    const to = toText === undefined ? (stepText === undefined ? from : field.cycleMax) : number(toText, field);
    if (from <= to) for (let value = from; value <= to; value++) walk.push(value);
    else {
      for (let value = from; value <= field.cycleMax; value++) walk.push(value);
      for (let value = field.min; value <= to; value++) walk.push(value);
    }
  }
  walk = walk.filter((_, index) => index % step === 0);
  return field === DOW ? walk.map((value) => value % 7) : walk;
}

function plainSet(text: string, field: Field): Set<number> {
  return new Set(text.split(',').flatMap((token) => tokenValues(token, field)));
}

/** The weekday nearest to `target` inside the month (Saturday the 1st goes to Monday the 3rd). */
function nearestWeekday(target: number, weekdayOfTarget: number, lastDay: number): number {
  let best = -1;
  for (let day = 1; day <= lastDay; day++) {
    const weekday = (((weekdayOfTarget + day - target) % 7) + 7) % 7;
    if (weekday === 0 || weekday === 6) continue;
    if (best < 0 || Math.abs(day - target) < Math.abs(best - target)) best = day;
  }
  return best;
}

function domToken(token: string, day: number, weekday: number, lastDay: number): boolean {
  const upper = token.toUpperCase();
  const weekdayOf = (target: number) => (((weekday + target - day) % 7) + 7) % 7;
  if (upper === 'L') return day === lastDay;
  if (upper === 'LW') {
    let last = lastDay;
    while (weekdayOf(last) === 0 || weekdayOf(last) === 6) last--;
    return day === last;
  }
  if (upper.endsWith('W')) {
    const target = Number(upper.slice(0, -1));
    return day === nearestWeekday(target, weekdayOf(target), lastDay);
  }
  return tokenValues(token, DOM).includes(day);
}

function dowToken(token: string, day: number, weekday: number, lastDay: number): boolean {
  if (token.includes('#')) {
    const [dayText, nText] = token.split('#') as [string, string];
    if (weekday !== number(dayText, DOW) % 7) return false;
    let count = 0;
    for (let d = day; d >= 1; d -= 7) count++;
    return count === Number(nText);
  }
  const last = /^(\w+?)L$/i.exec(token) ?? /^L(\w+)$/i.exec(token);
  if (last !== null) return weekday === number(last[1]!, DOW) % 7 && day + 7 > lastDay;
  return tokenValues(token, DOW).includes(weekday);
}

export function unixCronMatcher(expression: string): CronMatcher {
  const [minuteText, hourText, domRaw, monthText, dowRaw] = expression.trim().split(/\s+/) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const domText = domRaw === '?' ? '*' : domRaw;
  const dowText = dowRaw === '?' ? '*' : dowRaw;
  const minutes = plainSet(minuteText, MINUTE);
  const hours = plainSet(hourText, HOUR);
  const months = plainSet(monthText, MONTH);
  const domTokens = domText.split(',');
  const dowTokens = dowText.split(',');
  const domPlain = domTokens.every((token) => !/[LW]/i.test(token));
  const dowPlain = dowTokens.every((token) => !/[#L]/i.test(token));
  // croniter: a field written `*` does not restrict; one that lists every value counts as `*` only when the
  // other field contains a `*`. Both restricting means a day matches if either field does.
  const domRestricts = !(domText === '*' || (domPlain && plainSet(domText, DOM).size === 31 && dowText.includes('*')));
  const dowRestricts = !(dowText === '*' || (dowPlain && plainSet(dowText, DOW).size === 7 && domText.includes('*')));
  return {
    minute: (value) => minutes.has(value),
    hour: (value) => hours.has(value),
    date: (_year, month, day, weekday, lastDay) => {
      if (!months.has(month)) return false;
      const domOk = domTokens.some((token) => domToken(token, day, weekday, lastDay));
      const dowOk = dowTokens.some((token) => dowToken(token, day, weekday, lastDay));
      if (domRestricts && dowRestricts) return domOk || dowOk;
      return (domRestricts ? domOk : true) && (dowRestricts ? dowOk : true);
    },
  };
}
