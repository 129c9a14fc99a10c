import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from './civil-date.ts';
import type { FireSequence } from './fire-sequence.ts';

/**
 * Rate schedules: a fixed duration in absolute time (`every 15 minutes`, `rate(2 hours)`, `90m`, `PT6H`), as
 * EventBridge Scheduler's `rate()` and Airflow's `timedelta` schedules are; a DST change does not move them.
 */

// Seconds are read so that 'every 30 seconds' is told it is too short, not that it is no rate.
const UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: MS_PER_MINUTE,
  min: MS_PER_MINUTE,
  mins: MS_PER_MINUTE,
  minute: MS_PER_MINUTE,
  minutes: MS_PER_MINUTE,
  h: MS_PER_HOUR,
  hr: MS_PER_HOUR,
  hrs: MS_PER_HOUR,
  hour: MS_PER_HOUR,
  hours: MS_PER_HOUR,
  d: MS_PER_DAY,
  day: MS_PER_DAY,
  days: MS_PER_DAY,
  w: 7 * MS_PER_DAY,
  week: 7 * MS_PER_DAY,
  weeks: 7 * MS_PER_DAY,
};

const RATE_CALL = /^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$/i;
const EVERY = /^every\s+(.+)$/i;
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/i;
const DURATION_PART = /(\d+)\s*([a-z]+)\s*,?\s*/y;

/** Whether the text is meant as a rate, so a failure to read it should be reported as a rate problem. */
export function looksLikeRate(text: string): boolean {
  return /^(rate\(|every\s)/i.test(text) || /^P\d|^PT\d/i.test(text) || /^\d+\s*[a-z]+(\s*\d+\s*[a-z]+)*$/i.test(text);
}

/** A rate's length in milliseconds: a whole number of minutes, at least one. */
export function parseRate(text: string): { everyMs: number } | { error: string } {
  const trimmed = text.trim();
  const call = RATE_CALL.exec(trimmed);
  const ms =
    call !== null
      ? Number(call[1]) * UNIT_MS[call[2]!.toLowerCase()]!
      : durationMs(EVERY.exec(trimmed)?.[1] ?? trimmed);
  if (ms === undefined) return { error: "is not a rate (e.g. 'every 15 minutes', 'rate(2 hours)', '1h30m', 'PT6H')" };
  if (ms < MS_PER_MINUTE) return { error: 'is shorter than a minute, the shortest rate EventBridge Scheduler runs' };
  if (ms % MS_PER_MINUTE !== 0) {
    return { error: 'is not a whole number of minutes: EventBridge Scheduler rates count minutes, hours or days' };
  }
  return { everyMs: ms };
}

function durationMs(text: string): number | undefined {
  const iso = ISO_DURATION.exec(text);
  if (iso !== null && text.length > 1 && !/T$/i.test(text)) {
    const [weeks, days, hours, minutes] = iso.slice(1).map((part) => Number(part ?? 0)) as number[];
    return (weeks! * 7 + days!) * MS_PER_DAY + hours! * MS_PER_HOUR + minutes! * MS_PER_MINUTE;
  }
  const lower = text.toLowerCase();
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < lower.length) {
    const at = DURATION_PART.lastIndex;
    const part = DURATION_PART.exec(lower);
    if (part === null || part.index !== at) return undefined;
    const unit = UNIT_MS[part[2]!];
    if (unit === undefined) return undefined;
    total += Number(part[1]) * unit;
  }
  return lower.length > 0 ? total : undefined;
}

/** `rate(15 minutes)`, `rate(1 hour)`, `rate(7 days)`: the largest unit that divides the length. */
export function rateExpression(everyMs: number): string {
  const [value, unit] =
    everyMs % MS_PER_DAY === 0
      ? [everyMs / MS_PER_DAY, 'day']
      : everyMs % MS_PER_HOUR === 0
        ? [everyMs / MS_PER_HOUR, 'hour']
        : [everyMs / MS_PER_MINUTE, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}

/** Fires every `everyMs`, counted from `anchor` (the DAG's start date, or the Unix epoch to align to the clock). */
export class RateFires implements FireSequence {
  constructor(
    private readonly anchor: number,
    private readonly everyMs: number,
  ) {}

  next(instant: number): number {
    return this.anchor + (Math.floor((instant - this.anchor) / this.everyMs) + 1) * this.everyMs;
  }

  prev(instant: number): number {
    return this.anchor + (Math.ceil((instant - this.anchor) / this.everyMs) - 1) * this.everyMs;
  }
}
