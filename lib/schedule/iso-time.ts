import { daysInMonth, MS_PER_MINUTE } from './civil-date.ts';
import { type TimeZone, wallFields } from './zoned-time.ts';

/** `2026-01-01`, `2026-01-01T06:00`, `2026-01-01 06:00:00.5`, `2026-01-01T06:00:00+01:00`, `…Z`. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** EventBridge Scheduler's cron year field runs 1970-2199; dates outside it are typos. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

/**
 * An ISO 8601 date or date-time as an instant. Without an offset it is a wall time in `zone` (a date alone is
 * its midnight); a wall time skipped by DST moves forward, a repeated one is its first occurrence.
 */
export function parseIsoInstant(text: string, zone: TimeZone): { instant: number } | { error: string } {
  const match = ISO.exec(text.trim());
  if (match === null)
    return { error: 'is not an ISO date or date-time (e.g. 2026-01-01 or 2026-01-01T06:00:00+01:00)' };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const fraction = match[7] ?? '';
  const millisecond = Number(`${fraction}000`.slice(0, 3));
  if (year! < FIRST_YEAR || year! > LAST_YEAR) return { error: `has year ${year}, outside ${FIRST_YEAR}-${LAST_YEAR}` };
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!))
    return { error: 'is not a real date' };
  if (hour! > 23 || minute! > 59 || second! > 59) return { error: 'is not a real time of day' };
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millisecond);
  const offset = match[8];
  if (offset === undefined) return { instant: zone.resolveWall(wall) };
  if (offset.toUpperCase() === 'Z') return { instant: wall };
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0);
  if (minutes > 18 * 60) return { error: 'has an offset beyond ±18:00' };
  return { instant: wall - (offset.startsWith('-') ? -minutes : minutes) * MS_PER_MINUTE };
}

/** `2026-11-23T00:00:00+01:00` (milliseconds only when not zero), as Python's `isoformat()` writes it. */
export function formatInZone(instant: number, zone: TimeZone): string {
  const offset = zone.offsetAt(instant);
  return `${formatWall(instant + offset)}${formatOffset(offset)}`;
}

/** `2026-11-22T23:00:00Z`: EventBridge Scheduler's StartDate / EndDate. */
export function formatUtc(instant: number): string {
  return `${formatWall(instant)}Z`;
}

/** The wall clock without offset, `2026-11-23T00:00:00`: the form `at(…)` takes. */
export function formatWall(wall: number, withMilliseconds = true): string {
  const time = wallFields(wall);
  const date = `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
  const clock = `${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
  const ms = withMilliseconds && time.millisecond !== 0 ? `.${pad(time.millisecond, 3)}` : '';
  return `${date}T${clock}${ms}`;
}

/** `YYYY-MM-DD` of a wall value. */
export function formatWallDate(wall: number): string {
  return formatWall(wall).slice(0, 10);
}

function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const totalSeconds = Math.abs(offsetMs) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.round(totalSeconds % 60);
  return `${sign}${pad(hours)}:${pad(minutes)}${seconds !== 0 ? `:${pad(seconds)}` : ''}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
