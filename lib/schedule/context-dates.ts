import { ScheduleError } from './errors.ts';
import { formatInZone, formatWall, formatWallDate, parseIsoInstant } from './iso-time.ts';
import type { RunInterval, RunType } from './types.ts';
import { TimeZone, timeZoneProblem } from './zoned-time.ts';

export interface RunContextDates {
  /** The logical date's calendar date in the DAG's zone, `2026-11-22`. */
  readonly ds: string;
  /** `20261122`. */
  readonly dsNodash: string;
  /** The logical date with the zone's offset, `2026-11-22T00:00:00+01:00`. */
  readonly ts: string;
  readonly logicalDate: string;
  readonly dataIntervalStart: string;
  readonly dataIntervalEnd: string;
}

/**
 * The date values a run's tasks see, in the DAG's zone: the daily run of a Europe/Berlin DAG for 2026-11-22 has
 * `ds` 2026-11-22 and `ts` 2026-11-22T00:00:00+01:00. (Airflow renders these in UTC, where that run's `ds`
 * would be 2026-11-21; Airstep keeps the DAG's calendar, which is what a `ds` partition means.)
 */
export function runContextDates(interval: RunInterval, timezone: string): RunContextDates {
  const problem = timeZoneProblem(timezone);
  if (problem !== undefined) throw new ScheduleError('timezone', timezone, problem);
  const zone = TimeZone.of(timezone);
  const logical = instant(interval.logicalDate, zone);
  const ds = formatWallDate(zone.toWall(logical));
  const ts = formatInZone(logical, zone);
  return {
    ds,
    dsNodash: ds.replaceAll('-', ''),
    ts,
    logicalDate: ts,
    dataIntervalStart: formatInZone(instant(interval.dataIntervalStart, zone), zone),
    dataIntervalEnd: formatInZone(instant(interval.dataIntervalEnd, zone), zone),
  };
}

/**
 * `scheduled__2026-11-22T23:00:00+00:00`: the kind and the logical date in UTC, as Airflow writes run ids. One
 * instant always gives one id, whatever offset it was written with, so the Step Functions execution name
 * derived from it turns a duplicate trigger into a no-op.
 */
export function runId(type: RunType, logicalDate: string): string {
  return `${type}__${formatWall(instant(logicalDate, TimeZone.of('UTC')))}+00:00`;
}

function instant(text: string, zone: TimeZone): number {
  const parsed = typeof text === 'string' ? parseIsoInstant(text, zone) : { error: 'is not a string' };
  if ('error' in parsed) throw new ScheduleError('logicalDate', text, `date '${text}' ${parsed.error}`);
  return parsed.instant;
}
