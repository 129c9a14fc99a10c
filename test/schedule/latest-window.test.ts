import { describe, expect, it } from 'vitest';
import {
  backfillIntervals,
  latestWindow,
  manualRunInterval,
  type ScheduleSpec,
  secondKey,
} from '../../lib/schedule/index.ts';

const spec = (expression: string | null, more: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  expression,
  timezone: 'UTC',
  startDate: '2026-11-01',
  catchup: false,
  ...more,
});
const only = (s: ScheduleSpec, from: string) => backfillIntervals(s, from, from)[0]!;

describe('latestWindow (when a run is its DAG latest, as Airflow LatestOnlyOperator decides it)', () => {
  it('runs from the data interval start to the end of the next interval (daily)', () => {
    expect(latestWindow(spec('@daily'), only(spec('@daily'), '2026-11-22'))).toEqual({
      after: '2026-11-22T00:00:00.000Z',
      until: '2026-11-24T00:00:00.000Z',
      afterKey: 120261122000000,
      untilKey: 120261124000000,
    });
  });

  it('follows an irregular cron: Friday’s weekday run is the latest until Tuesday 06:00', () => {
    const weekdays = spec('0 6 * * 1-5');
    // The run with logical date Friday 2026-11-27 06:00 covers up to Monday 06:00; the next one, up to Tuesday.
    expect(latestWindow(weekdays, only(weekdays, '2026-11-27T06:00'))).toEqual({
      after: '2026-11-27T06:00:00.000Z',
      until: '2026-12-01T06:00:00.000Z',
      afterKey: 120261127060000,
      untilKey: 120261201060000,
    });
  });

  it('reads the schedule in its time zone and answers in UTC (Berlin, across the DST change)', () => {
    const berlin = spec('@daily', { timezone: 'Europe/Berlin' });
    expect(latestWindow(berlin, only(berlin, '2026-10-24'))).toEqual({
      after: '2026-10-23T22:00:00.000Z',
      until: '2026-10-25T23:00:00.000Z',
      afterKey: 120261023220000,
      untilKey: 120261025230000,
    });
  });

  it('keeps a rate schedule on its grid, which counts from the start date', () => {
    const rate = spec('every 6 hours', { startDate: '2026-11-01T01:00' });
    expect(latestWindow(rate, only(rate, '2026-11-22T07:00'))).toEqual({
      after: '2026-11-22T07:00:00.000Z',
      until: '2026-11-22T19:00:00.000Z',
      afterKey: 120261122070000,
      untilKey: 120261122190000,
    });
  });

  it('looks past the start date for the next interval (a backfill before it), as Airflow does', () => {
    const late = spec('@daily', { startDate: '2026-12-01' });
    expect(latestWindow(late, only(late, '2026-11-22'))?.until).toBe('2026-11-24T00:00:00.000Z');
  });

  it('looks past the end date for the next interval, as Airflow does', () => {
    const ending = spec('@daily', { endDate: '2026-11-22' });
    expect(latestWindow(ending, only(spec('@daily'), '2026-11-22'))?.until).toBe('2026-11-24T00:00:00.000Z');
  });

  it('has none for a DAG without schedule, a point-in-time interval or @once', () => {
    expect(latestWindow(spec(null), manualRunInterval(new Date('2026-11-22T06:00:00.000Z')))).toBeUndefined();
    expect(latestWindow(spec('@daily'), manualRunInterval(new Date('2026-11-22T06:00:00.000Z')))).toBeUndefined();
    const once = spec('@once');
    expect(latestWindow(once, only(once, '2026-11-01'))).toBeUndefined();
  });

  it('writes an instant as 1YYYYMMDDhhmmss in UTC, whole seconds, so numbers order as instants do', () => {
    expect(secondKey(Date.parse('2026-11-23T00:05:00.999Z'))).toBe(120261123000500);
    expect(secondKey(Date.parse('2026-11-23T01:05:00+01:00'))).toBe(120261123000500);
    expect(secondKey(Date.parse('2026-12-31T23:59:59Z'))).toBeLessThan(secondKey(Date.parse('2027-01-01T00:00:00Z')));
  });
});
