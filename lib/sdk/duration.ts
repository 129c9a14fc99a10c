import { DagDefinitionError } from './errors.ts';

/**
 * A length of time: milliseconds as a number, or a string such as `'30s'`, `'5 minutes'`, `'1h30m'`,
 * `'2 days'`. Ambiguous units (months, years) are not accepted.
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

/** Parses a duration to milliseconds; returns an error message instead of throwing. */
export function tryParseDuration(value: unknown): { ms: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { error: `must be a non-negative number of ms, got ${value}` };
    return { ms: value };
  }
  if (typeof value !== 'string') return { error: `must be a number of ms or a string like '5 minutes'` };
  const text = value.trim().toLowerCase();
  if (text === '') return { error: `must not be empty` };
  let total = 0;
  let position = 0;
  PART.lastIndex = 0;
  while (position < text.length) {
    PART.lastIndex = position;
    const match = PART.exec(text);
    if (match === null) return { error: `cannot read '${value}' as a duration (try '30s', '5 minutes', '1h30m')` };
    const unit = UNIT_MS[match[2]!];
    if (unit === undefined) return { error: `unknown unit '${match[2]}' in '${value}'` };
    total += Number(match[1]) * unit;
    position = PART.lastIndex;
    while (text[position] === ' ' || text[position] === ',') position++;
  }
  return { ms: total };
}

/** Parses a duration to milliseconds or throws a `DagDefinitionError` naming `field`. */
export function parseDuration(value: Duration, field = 'duration'): number {
  const result = tryParseDuration(value);
  if ('error' in result) throw new DagDefinitionError(`${field} ${result.error}`, { field });
  return result.ms;
}
